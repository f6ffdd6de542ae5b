import type { FastifyEnvOptions } from '@fastify/env';
import type { TObject } from 'typebox';
import { configAjv, toJsonSchema } from './config-ajv.ts';

/**
 * What an app registers @fastify/env with: its config schema and the config loadConfig read
 * at start-up (or a test built), so the app checks the config it is built with and serves it
 * as `app.config` / `app.getEnvs()`. Only the given values count, never this process's own env.
 */
export function envPluginOptions(schema: TObject, config: object): FastifyEnvOptions {
  return { schema: toJsonSchema(schema), data: { ...config }, env: false, ajv: configAjv() };
}
