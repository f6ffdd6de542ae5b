import { context, trace } from '@opentelemetry/api';

/**
 * Runs `send` (a statement, or taking a connection for one) outside the active span when that
 * span is not recorded, its trace sampled out. pg's instrumentation, which needs a parent span,
 * then leaves the statement alone instead of starting a span that is never recorded and
 * wrapping its callbacks: about 3 µs of CPU a statement, for nine requests in ten under the
 * default sampler (docs/performance.md). A recorded request keeps a span for each of its
 * statements. Without an OpenTelemetry SDK there is never an active span: `send` just runs.
 *
 * Only the statement leaves the span: what awaits it carries on in the caller's context, so
 * the request's log lines keep their trace ids.
 */
export function inStatementContext<T>(send: () => T): T {
  const span = trace.getActiveSpan();
  if (span === undefined || span.isRecording()) return send();
  return context.with(trace.deleteSpan(context.active()), send);
}
