import swagger from '@fastify/swagger';
import { errorHandlerPlugin } from '@myshop/errors';
import { healthPlugin } from '@myshop/health';
import { REQUEST_ID_HEADER } from '@myshop/logging';
import { metricsPlugin } from '@myshop/metrics';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Registry } from 'prom-client';

export interface PlatformOptions {
  /** `user`, `cart`, `payment`: the route prefix and the metrics' service label. */
  service: string;
  version: string;
  description: string;
  metricsRegistry?: Registry;
}

/**
 * What every service has before its own routes: coded JSON errors, health probes, metrics and
 * its OpenAPI document at `GET /<service>/openapi.json`.
 */
async function platform(app: FastifyInstance, options: PlatformOptions): Promise<void> {
  await app.register(errorHandlerPlugin);
  await app.register(healthPlugin);
  await app.register(metricsPlugin, { service: options.service, registry: options.metricsRegistry });

  // Registered before any route so that it sees them all.
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: `myshop ${options.service} service`, version: options.version, description: options.description },
      servers: [{ url: 'https://myshop.com' }],
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
    },
  });
  app.get(`/${options.service}/openapi.json`, { schema: { hide: true } }, async () => app.swagger());

  // Hand the request id back, so a client can quote it when reporting a problem.
  app.addHook('onSend', async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
  });
}

export const platformPlugin = fp(platform, { name: '@myshop/platform', fastify: '5.x' });
