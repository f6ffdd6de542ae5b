/**
 * Test helpers shared by every project, one folder per purpose. One entry point: every user is
 * a test, and `import { … } from '@myshop/testing'` is all it needs to know.
 */

// The app under test against a fresh database (database/, app/).
export { createTestDatabase, type TestDatabase } from './database/test-database.ts';
export { statementsSent } from './database/statements-sent.ts';
export { databaseAway, type DatabaseAway } from './database/database-away.ts';
export { buildTestApp, type TestApp, type TestAppFactory } from './app/build-test-app.ts';
export { captureLogs, type CapturedLogs } from './app/capture-logs.ts';
export { BUSY_MACHINE_ENV } from './app/busy-machine-env.ts';

// A service's entry point run as its own process (process/).
export { runEntryPoint, type EntryPointProcess, type ListeningOrigins } from './process/run-entry-point.ts';
export { WAIT_FOR_LOG_LINES } from './process/log-lines.ts';
export { copyAppUnderOddlyNamedFolder, expectServesFromOddlyNamedFolder } from './process/app-copy.ts';

// Real HTTP against an app (http/).
export { httpClient, type HttpClient } from './http/http-client.ts';
export { sendRawHttp } from './http/raw-http.ts';
export { freePort } from './http/free-port.ts';
export { ANSWER_AFTER_HANG_UP_MS, hangUpBeforeAnswer, type HangUpOptions } from './http/hang-up-before-answer.ts';
export { exchangeLikeAProxy, answersOf, pieces, chunked, type ProxyExchange } from './http/proxy-exchange.ts';

// Hostile input: generated requests, fuzzing, token and access matrices, answer checks (hostile/).
export * from './hostile/hostile-input.ts';
export { fuzzRoute, tableState, FUZZ_RUNS, FUZZ_TIMEOUT_MS, type FuzzRouteOptions, type FuzzRouteResult } from './hostile/fuzz-route.ts';
export { fuzzJsonRoute, type FuzzTarget, type RouteContract } from './hostile/fuzz-json-route.ts';
export {
  securityHeaderProblems,
  jwtMatrix,
  crossUserAccess,
  describeCall,
  type ForgedToken,
  type RouteCall,
  type JwtMatrixResult,
  type CrossUserResult,
} from './hostile/security-checks.ts';
export { errorShapeProblems, leakProblems, type ResponseLike } from './hostile/response-checks.ts';
export { cardFields, idempotencyKeyField } from './hostile/payment-fields.ts';
export { corsAllowedOrigins, pageLimitProblems, PAGE_LIMIT_CASES, type CorsAnswers, type CorsOptions } from './hostile/http-hardening.ts';

// Does each operation answer as its OpenAPI document says (openapi/).
export { checkOpenApiConformance, type ConformanceOptions, type ConformanceReport, type ExampleFactory } from './openapi/conformance.ts';
export type { ExampleRequest } from './openapi/requests.ts';
export { exportedErrorCodes, readmeErrorCodes, readmeRouteProblems } from './openapi/readme-routes.ts';
export { describeServiceReadme, type ServiceReadme } from './openapi/readme-suite.ts';
export { markdownSection } from './docs/markdown-section.ts';

// What a test run leaves behind: reliability figures and the run log (reports/).
export { writeReliabilityFigure, figureFileName, reliabilityDir, type ReliabilityFigure } from './reports/reliability-figure.ts';
export { appendToRunLog, runLogDir, runLogFile, RUN_LOG_VARIABLE } from '@myshop/vitest-config';

// A test that needs a program on the PATH (tools/).
export { requiredTool, type RequiredTool } from './tools/required-tool.ts';
