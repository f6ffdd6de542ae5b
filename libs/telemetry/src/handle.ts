import type { ProblemReport } from './problem-reports.ts';

/**
 * The running SDK, reachable from code that must not load it: the preload starts it, the
 * service's graceful shutdown flushes it (`shutdownTelemetry`). Kept on a global symbol because
 * the preload and the app may load this package through different paths (source or dist).
 */
export interface TelemetryHandle {
  serviceName: string;
  /** Exports what is buffered and stops; later calls do nothing. */
  shutdown(): Promise<void>;
  /**
   * Hands the SDK's errors (exports that fail) to `report`, the service's logger, once a minute at
   * most; nothing when OTEL_LOG_LEVEL gives the SDK its own console diagnostics instead.
   */
  reportProblemsTo(report: ProblemReport): void;
}

const KEY = Symbol.for('@myshop/telemetry');
type WithHandle = typeof globalThis & { [KEY]?: TelemetryHandle };

export function setTelemetryHandle(handle: TelemetryHandle | undefined): void {
  (globalThis as WithHandle)[KEY] = handle;
}

export function telemetryHandle(): TelemetryHandle | undefined {
  return (globalThis as WithHandle)[KEY];
}

/** Flushes and stops the SDK if the preload started one; a no-op when tracing is off. */
export async function shutdownTelemetry(): Promise<void> {
  const handle = telemetryHandle();
  setTelemetryHandle(undefined);
  await handle?.shutdown();
}
