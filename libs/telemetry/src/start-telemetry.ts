import { FastifyOtelInstrumentation } from '@fastify/otel';
import { censorUrl } from '@myshop/logging';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { ParentBasedSampler, TraceIdRatioBasedSampler, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { setTelemetryHandle, type TelemetryHandle } from './handle.ts';
import { reportTelemetryProblems } from './problem-reports.ts';
import { telemetrySettings, type TelemetrySettings } from './settings.ts';

export interface StartTelemetryOptions {
  env?: NodeJS.ProcessEnv;
  argv?: readonly string[];
  /** Tests: where spans go instead of the OTLP exporter the environment names (e.g. an in-memory one). */
  spanProcessors?: SpanProcessor[];
}

/** Probes are polled every few seconds by every kubelet: a trace each would be noise and cost. */
const UNTRACED_PATHS = /^\/(livez|readyz)(?:[/?]|$)/;

/**
 * Starts the OpenTelemetry Node SDK for traces, as the settings allow (see settings.ts), with the
 * instrumentations the services need and nothing else: Fastify (a span per request, W3C context
 * taken from the caller), outbound node:http (jose fetching the JWKS) and undici (service to
 * service), and pg. Metrics stay with prom-client and logs with pino, so the SDK's own metric
 * readers and log exporters are turned off.
 */
export function startTelemetry(options: StartTelemetryOptions = {}): TelemetrySettings & { handle?: TelemetryHandle } {
  const env = options.env ?? process.env;
  const settings = telemetrySettings(env, options.argv);
  if (!settings.enabled) return settings;

  const sdk = new NodeSDK({
    serviceName: settings.serviceName,
    instrumentations: [
      new FastifyOtelInstrumentation({
        // Every Fastify instance created after this is instrumented, without touching the apps.
        registerOnInitialization: true,
        ignorePaths: ({ url }) => UNTRACED_PATHS.test(url),
        // One span per request, none per hook or handler: every request runs a dozen hooks
        // (helmet, CORS, load shedding, auth…) whose spans cost more than they tell, and a
        // handler's own span, started for every request, sampled or not, cost a database route
        // 4–13 % of its CPU to tell what the statement and outbound spans under the request show.
        instrumentHooks: false,
        instrumentHandler: false,
        // url.path is the path alone, as the semantic conventions define it: @fastify/otel writes
        // the whole URL, query included, where a client may have put a password or a card number.
        // The request's log line keeps the query, its secrets censored (@myshop/logging).
        // A card number or a token in the path itself (`/user/eyJ…`, a client's mistake) is
        // censored as in the request line: spans are stored beside the logs.
        requestHook: (span, request) => {
          if (!span.isRecording()) return;
          // Named `{method} {route}` (the method alone when no route matched), as the HTTP
          // conventions name a server span: @fastify/otel calls every one "request", which tells
          // a trace view nothing, and the path a client chose would be a name without bound.
          const route = request.routeOptions.url;
          span.updateName(route === undefined ? request.method : `${request.method} ${route}`);
          const queryAt = request.url.indexOf('?');
          const path = censorUrl(queryAt === -1 ? request.url : request.url.slice(0, queryAt));
          if (path !== request.url) span.setAttribute('url.path', path);
        },
      }),
      new HttpInstrumentation({
        // Incoming requests get their span (and the caller's context) from @fastify/otel; a second
        // server span per request would only cost. The metrics port is plain node:http: never traced.
        disableIncomingRequestInstrumentation: true,
        // A client span only inside a traced request, not for background calls. Our own calls
        // (the JWKS fetch, cart to user and payment) go through undici, Node's fetch: this is for
        // a dependency that calls out with node:http.
        requireParentforOutgoingSpans: true,
      }),
      new UndiciInstrumentation({ requireParentforSpans: true }),
      // Queries outside a request (migrations, the readiness probe's SELECT 1) are not traced.
      // No span for taking a connection from the pool: it was started for every statement,
      // sampled or not, and the wait is measured already (db_query_duration_seconds counts it,
      // db_pool_waiting_requests shows it) and shows in a trace as the gap before a statement.
      new PgInstrumentation({ requireParentSpan: true, ignoreConnectSpans: true }),
    ],
    // OTEL_TRACES_SAMPLER wins when set; otherwise parent-based with a ratio for new traces.
    ...(settings.sampler.fromEnv
      ? {}
      : { sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(settings.sampler.ratio) }) }),
    ...(options.spanProcessors ? { spanProcessors: options.spanProcessors } : {}),
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();

  let stopped: Promise<void> | undefined;
  const handle: TelemetryHandle = {
    serviceName: settings.serviceName,
    shutdown: () => (stopped ??= sdk.shutdown()),
    reportProblemsTo: (report) => {
      if (env.OTEL_LOG_LEVEL?.trim()) return;
      reportTelemetryProblems(report);
    },
  };
  setTelemetryHandle(handle);
  return { ...settings, handle };
}
