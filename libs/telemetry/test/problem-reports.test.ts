import { context, diag, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { reportTelemetryProblems, type TelemetryProblem } from '../src/problem-reports.ts';

const refused = JSON.stringify({
  stack: 'Error: connect ECONNREFUSED 10.0.0.9:4318\n    at …',
  message: 'connect ECONNREFUSED 10.0.0.9:4318',
});

describe('reportTelemetryProblems', () => {
  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  });
  afterAll(() => context.disable());
  afterEach(() => {
    diag.disable();
    vi.useRealTimers();
  });

  it('reports what the SDK says went wrong, an exception by its message', () => {
    const reports: TelemetryProblem[] = [];
    reportTelemetryProblems((problem) => reports.push(problem));
    diag.error(refused);
    expect(reports).toEqual([{ reason: 'connect ECONNREFUSED 10.0.0.9:4318', heldBack: 0 }]);
  });

  it("names the SDK component that reported, with its words and its error's message", () => {
    const reports: TelemetryProblem[] = [];
    reportTelemetryProblems((problem) => reports.push(problem));
    diag.createComponentLogger({ namespace: 'OTLPExportDelegate' }).warn('Export failed', new Error('socket hang up'), { data: [1, 2] });
    expect(reports).toEqual([{ reason: 'OTLPExportDelegate: Export failed: socket hang up', heldBack: 0 }]);
  });

  it('reports outside the trace of whatever request the failed export followed', () => {
    const active: unknown[] = [];
    reportTelemetryProblems(() => active.push(trace.getActiveSpan()));
    const span = trace.wrapSpanContext({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1 });
    context.with(trace.setSpan(context.active(), span), () => diag.error(refused));
    expect(active).toEqual([undefined]);
  });

  it('reports once per interval, saying how many it held back, and leaves out what is no problem', () => {
    vi.useFakeTimers();
    const reports: TelemetryProblem[] = [];
    reportTelemetryProblems((problem) => reports.push(problem), 60_000);
    diag.error(refused);
    diag.warn('export timed out');
    diag.error(refused);
    diag.info('exporting 3 spans');
    expect(reports).toHaveLength(1);
    vi.advanceTimersByTime(60_000);
    diag.warn('export timed out');
    expect(reports).toEqual([
      { reason: 'connect ECONNREFUSED 10.0.0.9:4318', heldBack: 0 },
      { reason: 'export timed out', heldBack: 2 },
    ]);
  });
});
