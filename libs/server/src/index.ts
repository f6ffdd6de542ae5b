export { createFastify, KEEP_ALIVE_TIMEOUT_MS, type ServiceFastifyInstance } from './create-fastify.ts';
export { RequestLogController } from './request-log.ts';
export { clientErrorHandler, ignoreUnknownExpectations, refuseConnect } from './client-errors.ts';
export { continueWithinLimit } from './expect-continue.ts';
export { describeFrameworkError } from './framework-errors.ts';
export { platformPlugin, type PlatformOptions } from './platform-plugin.ts';
export { forkService, serviceEntry, type ForkedService, type ForkServiceOptions, type ListeningMessage } from './fork-service.ts';
export { runService, type ServiceDefinition, type BuildAppOptions } from './run-service.ts';
export { onStopSignal, type StopSignalLogger } from './stop-signal.ts';
export { runMigrationsCommand, type MigrationsCommand } from './run-migrations-command.ts';
export { loadConfigOrExit } from './load-config-or-exit.ts';
export { readPackageInfo, type PackageInfo } from './package-info.ts';
export { protectionPlugin, OverloadedError, type ProtectionOptions } from './protection-plugin.ts';
export { oversizeBodyPlugin, DEFAULT_DRAIN_CAP_BYTES, type OversizeBodyOptions } from './oversize-body-plugin.ts';
export { storableTextPlugin, unstorableTextAt } from './storable-text-plugin.ts';
export { repeatedContentTypeError } from './one-content-type.ts';
export { unknownTransferCodingError } from './transfer-codings.ts';
export { noBodyAsEmptyObject } from './optional-body.ts';
export { createdResponse } from './created-response.ts';
export {
  IDEMPOTENT_REPLAYED_HEADER,
  IdempotencyHeaders,
  IdempotentReplayedHeaders,
  replayableResponse,
  sendStored,
  type StoredResponse,
} from './idempotent-reply.ts';
// platformPlugin installs app.health and app.metrics: their type declarations travel with this
// package's, so code compiled against its dist (the images' build) sees them too.
export type {} from '@myshop/health';
export type {} from '@myshop/metrics';
