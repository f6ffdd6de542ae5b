import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';

const tracer = trace.getTracer('@myshop/telemetry');

/**
 * Runs work that no request started (a timer's job: reading a feed, a clean-up) in a root span
 * of its own, sampled as any new trace is. Its calls to other services then carry it: they join
 * its trace, or are sampled out with it, instead of each starting a trace of its own at the
 * other service. Without the SDK (tracing off) the API's no-op tracer makes this a plain call.
 */
export function inBackgroundSpan<T>(name: string, work: () => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(name, { kind: SpanKind.INTERNAL }, ROOT_CONTEXT, async (span) => {
    try {
      return await work();
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      throw error;
    } finally {
      span.end();
    }
  });
}
