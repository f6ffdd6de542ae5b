import { Writable } from 'node:stream';
import { createLogger, type LogFormat } from '@myshop/logging';
import type { Logger } from 'pino';
import { appendToRunLog } from '@myshop/vitest-config';

export interface CapturedLogs {
  logger: Logger;
  /** Every line written so far, parsed. */
  lines(): Array<Record<string, unknown>>;
  /** Every line written so far, as written: what a log shipper would see. */
  text(): string;
}

/**
 * A real service logger (same redaction) whose output stays in memory for assertions, and is
 * also appended to the project's run log (`reports/logs/<project>.ndjson`) for the final scan.
 * `format` as LOG_FORMAT sets it (`ecs` for the Elasticsearch pipeline).
 */
export function captureLogs(service: string, level = 'info', format: LogFormat = 'json'): CapturedLogs {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      appendToRunLog(String(chunk));
      done();
    },
  });
  const logger = createLogger({ service, level, format, destination });
  return {
    logger,
    text: () => chunks.join(''),
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
