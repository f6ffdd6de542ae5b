import { ConfigError } from '@myshop/config';

/** Fail fast: a bad config stops the process before it listens, naming every bad key, exit 1. */
export function loadConfigOrExit<C>(service: { name: string; loadConfig(): C }): C {
  try {
    return service.loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${service.name}: ${error.message}\n`);
    process.exit(1);
  }
}
