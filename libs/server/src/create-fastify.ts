import type { BaseConfig } from '@myshop/config';
import { formatSchemaErrors } from '@myshop/errors';
import { requestIdFor } from '@myshop/logging';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type RawServerDefault,
  type RawRequestDefaultExpression,
  type RawReplyDefaultExpression,
} from 'fastify';
import type { Logger } from 'pino';
import { clientErrorHandler, ignoreUnknownExpectations, refuseConnect, refuseMissingHost } from './client-errors.ts';
import { continueWithinLimit } from './expect-continue.ts';
import { frameworkErrorHandler, MAX_PATH_PARAM_LENGTH } from './framework-errors.ts';
import { takeJsonBodiesOnly } from './json-bodies-only.ts';
import { oversizeBodyPlugin } from './oversize-body-plugin.ts';
import { RequestLogController } from './request-log.ts';
import { refuseCompressedBodies } from './uncompressed-bodies.ts';
import { validatorCompiler } from './validator-compiler.ts';

export type ServiceFastifyInstance = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export type FastifySettings =
  | { logger: Logger; config: Pick<BaseConfig, 'BODY_LIMIT_BYTES' | 'REQUEST_TIMEOUT_MS' | 'TRUST_PROXY_HOPS'> }
  | { logger: Logger; bodyLimitBytes: number; requestTimeoutMs: number; trustProxyHops?: number };

/** The Fastify instance every service is built on: same logging, limits and validation. */
/**
 * How long a connection may sit idle before the service closes it: longer than the edge's own
 * (ingress-nginx's upstream keep-alive, Envoy's idle timeout in components/gateway-api, both 60 s),
 * so the edge never sends a request down a socket the service is closing.
 */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;

export function createFastify(settings: FastifySettings): ServiceFastifyInstance {
  const { logger } = settings;
  const { bodyLimitBytes, requestTimeoutMs, trustProxyHops } =
    'config' in settings
      ? {
          bodyLimitBytes: settings.config.BODY_LIMIT_BYTES,
          requestTimeoutMs: settings.config.REQUEST_TIMEOUT_MS,
          trustProxyHops: settings.config.TRUST_PROXY_HOPS,
        }
      : { trustProxyHops: 1, ...settings };
  // One line per request, when it is answered (request-log.ts), instead of Fastify's two.
  const logController = new RequestLogController();
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    logController,
    genReqId: requestIdFor,
    bodyLimit: bodyLimitBytes,
    // Time allowed to receive a whole request: slow-loris clients are cut off.
    requestTimeout: requestTimeoutMs,
    http: {
      // Node cuts a request whose body stalls at its headers timeout (60 s by default), not at
      // requestTimeout, and looks only every 30 s: both are brought to the request's own limit.
      headersTimeout: requestTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, requestTimeoutMs),
      // A request without Host is refused in the API's error shape instead (refuseMissingHost).
      requireHostHeader: false,
    },
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    forceCloseConnections: 'idle',
    // A closing replica answers from protection-plugin.ts, in the API's error shape.
    return503OnClosing: false,
    schemaErrorFormatter: formatSchemaErrors,
    // Errors the router answers itself (a too long path parameter: 414) leave like every other.
    routerOptions: { maxParamLength: MAX_PATH_PARAM_LENGTH },
    frameworkErrors: frameworkErrorHandler(logController),
    // What Node's HTTP parser refuses (malformed framing, oversize headers) leaves in that shape too.
    clientErrorHandler: clientErrorHandler(),
    // request.ip is the address the nearest trusted proxy saw, not one a client wrote itself.
    trustProxy: (_address: string, hop: number) => hop < trustProxyHops,
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.server.on('connect', refuseConnect());
  app.server.on('checkExpectation', ignoreUnknownExpectations(app.server));
  // A body over the limit is refused before the client sends it, not after it was asked for.
  app.server.on('checkContinue', continueWithinLimit(app.server, bodyLimitBytes));
  app.addHook('onRequest', refuseMissingHost);
  takeJsonBodiesOnly(app);
  refuseCompressedBodies(app);
  // A refused body is read before the 413 goes out, so a proxy forwarding it never sees a reset.
  void app.register(oversizeBodyPlugin);
  return app;
}
