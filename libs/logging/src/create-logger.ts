import { ecsFormat } from '@elastic/ecs-pino-format';
import { pino, type Logger, type LoggerOptions } from 'pino';
import { ecsRequestFields } from './ecs-request.ts';
import { redactPaths } from './redact.ts';
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
  destination?: pino.DestinationStream;
}

/**
 * JSON lines on stdout with the service name on each, secrets censored, and the trace and span
 * ids of the active span (when tracing is on) on every line logged inside a traced request.
 */
export function createLogger({ service, level, format = 'json', options, destination }: LoggerSettings): Logger {
  const common: LoggerOptions = { level, redact: { paths: redactPaths, censor: '[redacted]' } };
  const settings: LoggerOptions =
    format === 'ecs'
      ? {
          ...ecs(service),
          ...common,
          mixin: ecsTraceFields,
          ...options,
        }
      : {
          ...common,
          base: { service },
          timestamp: pino.stdTimeFunctions.isoTime,
          mixin: traceFields,
          ...options,
        };
  return destination ? pino(settings, destination) : pino(settings);
}

/** The ECS formatter, taught the Fastify request that the request line carries (ecs-request.ts). */
function ecs(service: string): LoggerOptions {
  const options = ecsFormat({ serviceName: service, convertErr: true, convertReqRes: true, apmIntegration: false });
  const log = options.formatters?.log;
  return log ? { ...options, formatters: { ...options.formatters, log: (object) => log(ecsRequestFields(object)) } } : options;
}
