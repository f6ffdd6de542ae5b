export { createTestDatabase, type TestDatabase } from './test-database.ts';
export { buildTestApp, type TestApp, type TestAppFactory } from './build-test-app.ts';
export { captureLogs, type CapturedLogs } from './capture-logs.ts';
export { appendToRunLog, runLogDir, runLogFile, RUN_LOG_VARIABLE } from '@myshop/vitest-config';
export { writeReliabilityFigure, figureFileName, reliabilityDir, type ReliabilityFigure } from './reliability-figure.ts';
export { errorShapeProblems, leakProblems, type ResponseLike } from './response-checks.ts';
export { fuzzRoute, tableState, FUZZ_RUNS, type FuzzRouteOptions, type FuzzRouteResult } from './fuzz-route.ts';
export * from './hostile-input.ts';
export { securityHeaderProblems, jwtMatrix, crossUserAccess, describeCall, type ForgedToken, type RouteCall, type JwtMatrixResult, type CrossUserResult } from './security-checks.ts';
