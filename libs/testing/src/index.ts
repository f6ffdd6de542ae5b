export { createTestDatabase, type TestDatabase } from './test-database.ts';
export { buildTestApp, type TestApp, type TestAppFactory } from './build-test-app.ts';
export { createTestIssuer, type TestIssuer } from './test-issuer.ts';
export { captureLogs, type CapturedLogs } from './capture-logs.ts';
