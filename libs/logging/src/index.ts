export { createLogger, type LoggerSettings } from './create-logger.ts';
export { redactPaths } from './redact.ts';
export { requestIdFor, REQUEST_ID_HEADER } from './request-id.ts';
