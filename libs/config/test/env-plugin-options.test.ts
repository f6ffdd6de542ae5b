import fastifyEnv from '@fastify/env';
import Fastify from 'fastify';
import { Type } from 'typebox';
import { describe, expect, it } from 'vitest';
import { baseConfigProperties, envPluginOptions, loadConfig } from '../src/index.ts';

const Schema = Type.Object({
  ...baseConfigProperties,
  REGION: Type.String({ minLength: 2 }),
});

describe('envPluginOptions', () => {
  it('lets @fastify/env serve the loaded config as app.config', async () => {
    const config = loadConfig(Schema, { env: { REGION: 'eu', PORT: '6000' } });
    const app = Fastify();
    await app.register(fastifyEnv, envPluginOptions(Schema, config));
    await app.ready();
    expect(app.getEnvs()).toEqual(config);
    expect((app as unknown as { config: unknown }).config).toEqual(config);
    await app.close();
  });

  it('makes an app built with a config its schema refuses fail to start, naming the key', async () => {
    const config = { ...loadConfig(Schema, { env: { REGION: 'eu' } }), REGION: 'e', PORT: 70_000 };
    const app = Fastify();
    await expect(app.register(fastifyEnv, envPluginOptions(Schema, config))).rejects.toThrow(/REGION|PORT/);
    await app.close();
  });

  it('never reads the process environment: only the given config counts', async () => {
    process.env.REGION_FROM_PROCESS_TEST = 'x';
    const config = loadConfig(Schema, { env: { REGION: 'eu' } });
    const app = Fastify();
    await app.register(fastifyEnv, envPluginOptions(Schema, config));
    expect(app.getEnvs<Record<string, unknown>>()).not.toHaveProperty('REGION_FROM_PROCESS_TEST');
    await app.close();
  });

  it('leaves the service schema unchanged (env-schema closes the copy it is given)', () => {
    envPluginOptions(Schema, {});
    expect(Schema).not.toHaveProperty('additionalProperties');
  });
});
