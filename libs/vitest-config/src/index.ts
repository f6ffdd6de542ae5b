export { projectTestConfig, type ProjectTestOptions } from './vitest-config.ts';
export { SkippedByName } from './skipped-by-name.ts';
export { appendToRunLog, runLogDir, runLogFile, RUN_LOG_VARIABLE } from './run-log.ts';
export type {} from './provided-context.ts';
