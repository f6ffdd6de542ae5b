export { createLogger, type LoggerSettings, type LogFormat } from './create-logger.ts';
export { censorSecrets, censorUrl, CENSOR, SENSITIVE_FIELDS } from './redact.ts';
export { requestIdFor, REQUEST_ID_HEADER } from './request-id.ts';
export { traceFields, ecsTraceFields } from './trace-context.ts';
