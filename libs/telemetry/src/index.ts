export { telemetrySettings, DEFAULT_SAMPLE_RATIO, type TelemetrySettings } from './settings.ts';
export { shutdownTelemetry, telemetryHandle, type TelemetryHandle } from './handle.ts';
export { inBackgroundSpan } from './background-span.ts';
export type { ProblemReport, TelemetryProblem } from './problem-reports.ts';
