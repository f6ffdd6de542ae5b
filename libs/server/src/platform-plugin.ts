import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { BaseConfig } from '@myshop/config';
import { errorHandlerPlugin } from '@myshop/errors';
import { healthPlugin } from '@myshop/health';
import { REQUEST_ID_HEADER } from '@myshop/logging';
import { metricsPlugin } from '@myshop/metrics';
import { SharedErrorResponse } from '@myshop/schemas';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Registry } from 'prom-client';
import { DOCS_CSP } from './docs-csp.ts';
import { documentRoute } from './documented-route.ts';
import { documentOptionalBodies } from './optional-body.ts';
import { addPlatformResponses } from './platform-responses.ts';
import { protectionPlugin } from './protection-plugin.ts';
import { logUnanswered } from './request-log.ts';
import { storableTextPlugin } from './storable-text-plugin.ts';

export interface PlatformOptions {
  /** `user`, `cart`, `payment`: the route prefix and the metrics' service label. */
  service: string;
  version: string;
  description: string;
  metricsRegistry?: Registry;
  /** The service's config: limits and CORS origins come from it (defaults when absent). */
  config?: Pick<BaseConfig, 'CORS_ORIGINS' | 'OVERLOAD_MAX_EVENT_LOOP_DELAY_MS' | 'OVERLOAD_MAX_HEAP_USED_BYTES'>;
  /** Security schemes of the service's own routes, beside the platform's `bearerAuth` (the user service's client Basic). */
  securitySchemes?: Record<string, { type: 'http'; scheme: string; bearerFormat?: string; description?: string }>;
}

/**
 * What every service has before its own routes: coded JSON errors, health probes, metrics,
 * security headers, CORS, load shedding, its OpenAPI document at `GET /<service>/openapi.json` and
 * Swagger UI at `GET /<service>/docs`.
 */
async function platform(app: FastifyInstance, options: PlatformOptions): Promise<void> {
  await app.register(errorHandlerPlugin);
  await app.register(healthPlugin);
  await app.register(metricsPlugin, { service: options.service, registry: options.metricsRegistry, onUnanswered: logUnanswered });
  await app.register(protectionPlugin, {
    corsOrigins: (options.config?.CORS_ORIGINS ?? '')
      .split(',')
      .map((origin) => origin.trim())
      .filter(Boolean),
    maxEventLoopDelayMs: options.config?.OVERLOAD_MAX_EVENT_LOOP_DELAY_MS ?? 1000,
    maxHeapUsedBytes: options.config?.OVERLOAD_MAX_HEAP_USED_BYTES ?? 0,
  });
  // Text the database cannot store is a 400 naming the field, before any route sees it.
  await app.register(storableTextPlugin);

  // The error body, once, for every route's error responses to refer to.
  app.addSchema(SharedErrorResponse);
  // Every documented route lists the platform's errors too (platform-responses.ts); added before
  // the OpenAPI plugin and any route, so that both see the complete schemas.
  app.addHook('onRoute', addPlatformResponses);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: `myshop ${options.service} service`, version: options.version, description: options.description },
      // Relative: the origin serving the document (https://myshop.com in production), so that
      // Swagger UI's "Try it out" reaches the API it is served beside, locally and on any cluster,
      // and its page policy (connect-src 'self') lets it.
      servers: [{ url: '/', description: 'the origin serving this document: https://myshop.com in production' }],
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, ...options.securitySchemes },
      },
    },
    // Paths without a trailing slash; public operations say they are (documented-route.ts).
    transform: documentRoute,
    // A body the route reads as `{}` when left out is documented as optional (optional-body.ts).
    transformObject: (document) => ('openapiObject' in document ? documentOptionalBodies(document.openapiObject) : document.swaggerObject),
    // Shared schemas keep their own names in the document's components (ErrorResponse, not def-0).
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  app.get(`/${options.service}/openapi.json`, { schema: { hide: true } }, async () => app.swagger());
  // The same document, to read in a browser, with the only page policy that allows it.
  await app.register(swaggerUi, { routePrefix: `/${options.service}/docs`, staticCSP: DOCS_CSP });

  // Hand the request id back, so a client can quote it when reporting a problem (a callback, not
  // async: every request runs it, docs/performance.md).
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header(REQUEST_ID_HEADER, request.id);
    done(null, payload);
  });
}

export const platformPlugin = fp(platform, { name: '@myshop/platform', fastify: '5.x' });
