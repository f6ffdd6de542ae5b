import { pino, type Logger, type LoggerOptions } from 'pino';
import { redactPaths } from './redact.ts';

export interface LoggerSettings {
  service: string;
  level: string;
  /** Extra pino options, e.g. an ECS formatter or a test destination. */
  options?: LoggerOptions;
  destination?: pino.DestinationStream;
}

/** JSON lines on stdout with the service name on each, secrets censored. */
export function createLogger({ service, level, options, destination }: LoggerSettings): Logger {
  const settings: LoggerOptions = {
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: redactPaths, censor: '[redacted]' },
    ...options,
  };
  return destination ? pino(settings, destination) : pino(settings);
}
