import { isSpanContextValid, trace } from '@opentelemetry/api';

/**
 * The ids of the span active where a line is logged, so a log line leads to its trace and back.
 * Without an OpenTelemetry SDK (tracing off) there is never an active span: nothing is added.
 * Unsampled spans keep their ids too (trace_flags 00): the line still groups with the others of
 * its request, across services.
 */
export function traceFields(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const context = span.spanContext();
  if (!isSpanContextValid(context)) return {};
  return { trace_id: context.traceId, span_id: context.spanId, trace_flags: `0${context.traceFlags.toString(16)}` };
}

/** The same ids as Elastic Common Schema fields, dotted like the ECS formatter writes its own. */
export function ecsTraceFields(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const context = span.spanContext();
  if (!isSpanContextValid(context)) return {};
  return { 'trace.id': context.traceId, 'span.id': context.spanId };
}
