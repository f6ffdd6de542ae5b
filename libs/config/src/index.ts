export { loadConfig, ConfigError, type LoadConfigOptions } from './load-config.ts';
export { envPluginOptions } from './env-plugin-options.ts';
export { secret, isSecret } from './secret.ts';
export { baseConfigProperties, BaseConfigSchema, type BaseConfig } from './base-config.ts';
export { developmentSecret } from './development-secret.ts';
export { PROCESS_RUNTIME_ENV } from './runtime-env.ts';
export { serviceUrlProblems } from './service-url.ts';
