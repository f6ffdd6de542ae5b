export { createFastify, type ServiceFastifyInstance } from './create-fastify.ts';
export { platformPlugin, type PlatformOptions } from './platform-plugin.ts';
export { runService, type ServiceDefinition, type BuildAppOptions } from './run-service.ts';
export { runMigrationsCommand, type MigrationsCommand } from './run-migrations-command.ts';
export { readPackageInfo, type PackageInfo } from './package-info.ts';
export { protectionPlugin, OverloadedError, type ProtectionOptions } from './protection-plugin.ts';
export { storableTextPlugin, unstorableTextAt } from './storable-text-plugin.ts';
