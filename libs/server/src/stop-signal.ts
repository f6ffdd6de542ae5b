import type { Logger } from 'pino';

/** One Ctrl-C under `npm run` arrives twice: from the terminal and forwarded by npm. */
const DUPLICATE_WINDOW_MS = 2000;

/**
 * Calls `stop` on the first SIGTERM or SIGINT. A repeat within two seconds is the same request
 * delivered twice and is ignored; a later one means "now": exit 1 without waiting.
 */
export function onStopSignal(stop: (signal: NodeJS.Signals) => void, logger: Logger): void {
  let firstAt = 0;
  const handle = (signal: NodeJS.Signals) => {
    if (firstAt === 0) {
      firstAt = Date.now();
      stop(signal);
      return;
    }
    if (Date.now() - firstAt < DUPLICATE_WINDOW_MS) return;
    logger.warn({ signal }, 'second stop signal: exiting now');
    process.exit(1);
  };
  process.on('SIGTERM', handle);
  process.on('SIGINT', handle);
}
