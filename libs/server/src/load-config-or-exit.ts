import { writeSync } from 'node:fs';
import { ConfigError } from '@myshop/config';
import { createLogger } from '@myshop/logging';

/** Fail fast: a bad config stops the process before it listens, naming every bad key, exit 1. */
export function loadConfigOrExit<C>(service: { name: string; loadConfig(): C }): C {
  try {
    return service.loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    if (error.logFormat === 'ecs') reportAsEcsLine(service.name, error);
    else process.stderr.write(`${service.name}: ${error.message}\n`);
    process.exit(1);
  }
}

/**
 * Where logs are shipped as ECS (Kubernetes), the report is one line of it, as every other line
 * of the service: text on several lines would reach the log store as as many records, with no
 * `service.name` or `log.level` to find them by. Written at once, to stderr: the process exits next.
 */
function reportAsEcsLine(service: string, error: ConfigError): void {
  const stderr = { write: (line: string) => void writeSync(2, line) };
  createLogger({ service, level: 'fatal', format: 'ecs', destination: stderr }).fatal({ keys: error.keys }, error.message);
}
