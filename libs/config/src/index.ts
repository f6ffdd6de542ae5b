export { loadConfig, ConfigError, type LoadConfigOptions } from './load-config.ts';
export { secret, isSecret } from './secret.ts';
export { baseConfigProperties, BaseConfigSchema, type BaseConfig } from './base-config.ts';
export { developmentSecret } from './development-secret.ts';
