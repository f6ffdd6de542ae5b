export {
  createHttpClient,
  describeAnswer,
  type HttpClient,
  type HttpClientOptions,
  type CallOptions,
  type HttpMethod,
  type HttpOutcome,
  type HttpOk,
  type HttpRejected,
  type HttpUnavailable,
  type IncomingRequestLike,
  type ResponseHeaders,
} from './http-client.ts';
export { callTimer, type CallOutcomeLabel } from './call-metrics.ts';
