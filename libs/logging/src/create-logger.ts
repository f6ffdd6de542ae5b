import { ecsFormat } from '@elastic/ecs-pino-format';
import { pino, type Logger, type LoggerOptions } from 'pino';
import { ecsHttpFields } from './ecs-http.ts';
import { censorHeaderValue, censorSecrets, censorUrl } from './redact.ts';
import { stdoutInBatches } from './stdout-in-batches.ts';
import { ecsTraceFields, traceFields } from './trace-context.ts';

/** `json`: pino's own lines. `ecs`: Elastic Common Schema, for Elasticsearch (Filebeat, Fluent Bit). */
export type LogFormat = 'json' | 'ecs';

export interface LoggerSettings {
  service: string;
  level: string;
  /** Default `json`. */
  format?: LogFormat;
  /** Extra pino options, e.g. a test destination's settings. */
  options?: LoggerOptions;
  /** Default: stdout, written in batches (stdout-in-batches.ts). */
  destination?: pino.DestinationStream;
}

/**
 * JSON lines on stdout with the service name on each, secrets censored, and the trace and span
 * ids of the active span (when tracing is on) on every line logged inside a traced request.
 */
export function createLogger({ service, level, format = 'json', options, destination }: LoggerSettings): Logger {
  const stdout = destination ? undefined : stdoutInBatches();
  const settings: LoggerOptions =
    format === 'ecs'
      ? {
          ...ecs(service),
          level,
          mixin: ecsTraceFields,
          ...(stdout && { hooks: stdout.hooks }),
          ...options,
        }
      : {
          level,
          ...(stdout && { hooks: stdout.hooks }),
          base: { service },
          timestamp: pino.stdTimeFunctions.isoTime,
          mixin: traceFields,
          // Secrets are censored in each line's fields and in what the error serializer makes of an
          // error's own properties (redact.ts); a child's bindings as it is made (below).
          formatters: { log: censorSecrets },
          serializers: { err: (error: Error) => censorSecrets(pino.stdSerializers.err(error)), req: requestFields },
          ...options,
        };
  const logger = pino(settings, stdout?.stream ?? destination);
  // pino formats only the root's own bindings; a child's (request.log's) are censored here, once
  // per child. Children inherit this method from the root, so theirs do too.
  const createChild = logger.child;
  logger.child = function child(this: Logger, bindings, childOptions) {
    return createChild.call(this, censorSecrets(bindings), childOptions);
  } as Logger['child'];
  return logger;
}

interface RequestLike {
  method?: string;
  url?: string;
  headers?: Record<string, unknown>;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number };
}

/**
 * Fastify's own `req` fields (its serializer, which a logger's own serializers replace), with the
 * URL's sensitive query values censored, and the two headers it copies too (a client writes
 * both: `Host: myshop.com:4242…` reaches a replica) when they hold a token or a card number.
 */
function requestFields(request: RequestLike) {
  return {
    method: request.method,
    url: request.url === undefined ? undefined : censorUrl(request.url),
    version: censorHeaderValue(request.headers?.['accept-version']),
    host: censorHeaderValue(request.host),
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

/**
 * The ECS formatter, taught the Fastify request and reply that the request line carries
 * (ecs-http.ts), with secrets censored in what it makes of a line (it copies a raw request's
 * headers). It converts errors itself, to their type, message and stack; withErrorCauses adds
 * what it leaves out.
 */
function ecs(service: string): LoggerOptions {
  const options = ecsFormat({ serviceName: service, convertErr: true, convertReqRes: true, apmIntegration: false });
  const log = options.formatters?.log;
  return {
    ...options,
    formatters: {
      ...options.formatters,
      log: (object) =>
        censorSecrets(withoutResponseHeaders(withErrorCauses(object.err, log ? log(ecsHttpFields(object)) : ecsHttpFields(object)))),
    },
  };
}

/**
 * The ECS formatter writes an error's own message and stack only: an error that wraps another
 * (`The database is unavailable` around `connect ECONNREFUSED`) would lose why it happened. Its
 * `error` gets the message and stack with their causes, as pino's serializer writes them on the
 * JSON line, and the error's code (ECS `error.code`) when it has one.
 */
function withErrorCauses(err: unknown, line: Record<string, unknown>): Record<string, unknown> {
  if (!(err instanceof Error) || typeof line.error !== 'object' || line.error === null) return line;
  const serialized = pino.stdSerializers.err(err);
  const code = (err as { code?: unknown }).code;
  return {
    ...line,
    error: {
      ...line.error,
      message: serialized.message,
      stack_trace: serialized.stack,
      ...(typeof code === 'string' && { code }),
    },
  };
}

/**
 * The ECS formatter copies every header of a raw answer into `http.response.headers`: the same
 * security and caching headers every time, about 700 bytes a line in the log store. A line keeps
 * the status and the body's size (`http.response.body.bytes`); the JSON line, the status. (The request
 * line's Fastify reply never reaches the formatter: ecs-http.ts converts it without its headers.)
 */
function withoutResponseHeaders(line: Record<string, unknown>): Record<string, unknown> {
  const http = line.http as { response?: { headers?: unknown } } | undefined;
  if (!http?.response?.headers) return line;
  const { headers: _dropped, ...response } = http.response;
  return { ...line, http: { ...http, response } };
}
