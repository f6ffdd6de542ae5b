/** One Ctrl-C under `npm run` arrives twice: from the terminal and forwarded by npm. */
const DUPLICATE_WINDOW_MS = 2000;

/** Where the forced exit is said: a pino logger, or anything with its `warn` shape. */
export interface StopSignalLogger {
  warn(details: { signal: NodeJS.Signals }, message: string): void;
}

/**
 * Calls `stop` on the first SIGTERM or SIGINT. A repeat within two seconds is the same request
 * delivered twice and is ignored; a later one means "now": exit 1 without waiting. The one
 * stop-signal policy of every process here: the services (runService) and `npm start`.
 */
export function onStopSignal(stop: (signal: NodeJS.Signals) => void, logger: StopSignalLogger): void {
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
