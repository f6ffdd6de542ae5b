import { context, diag, DiagLogLevel, ROOT_CONTEXT, type DiagLogFunction } from '@opentelemetry/api';

/** What one report says: the SDK's message, and how many reports were held back since the last. */
export interface TelemetryProblem {
  reason: string;
  heldBack: number;
}

export type ProblemReport = (problem: TelemetryProblem) => void;

/** A Collector that is down fails every batch, every few seconds: one line a minute says it. */
const REPORT_EVERY_MS = 60_000;

/**
 * The SDK's own errors and warnings (an export the Collector refused or never answered) handed
 * to `report`, the service's logger: the SDK has none of its own unless OTEL_LOG_LEVEL asks for
 * one, so a tracing outage would otherwise leave no trace. At most one report per `everyMs`.
 */
export function reportTelemetryProblems(report: ProblemReport, everyMs = REPORT_EVERY_MS): void {
  let lastAt = -Infinity;
  let heldBack = 0;
  const log: DiagLogFunction = (message, ...args) => {
    const now = Date.now();
    if (now - lastAt < everyMs) {
      heldBack += 1;
      return;
    }
    const problem = { reason: [message, ...args].map(textOf).filter(Boolean).join(': '), heldBack };
    // Outside whatever request the export happened to follow: the line belongs to no trace.
    context.with(ROOT_CONTEXT, () => report(problem));
    lastAt = now;
    heldBack = 0;
  };
  // Below a warning (exports that went well, the SDK's start): nothing to report.
  const ignore: DiagLogFunction = () => undefined;
  diag.setLogger(
    { error: log, warn: log, info: ignore, debug: ignore, verbose: ignore },
    { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
  );
}

/**
 * One part of what the SDK logged, as text: a component's name (`OTLPExportDelegate`), its
 * words, an error by its message. The SDK writes an exception as its JSON, stack included: its
 * message says enough. Anything else (a response's bytes) is left out.
 */
function textOf(part: unknown): string {
  if (part instanceof Error) return part.message;
  if (typeof part !== 'string') return '';
  try {
    const parsed = JSON.parse(part) as { message?: unknown } | null;
    if (typeof parsed?.message === 'string') return parsed.message;
  } catch {
    // Not JSON: words of the SDK's own.
  }
  return part;
}
