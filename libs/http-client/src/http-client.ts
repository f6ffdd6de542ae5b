import type { IncomingHttpHeaders } from 'node:http';
import type { Registry } from 'prom-client';
import type { Static, TSchema } from 'typebox';
// Loaded with the service, not by its first call: some 400 modules whose loading holds the event
// loop for about a third of a second, ready before the replica is, instead of stalling the first
// requests it serves (past a second under a pod's CPU limit: long enough to trip load shedding).
import { Value } from 'typebox/value';
import { Pool } from 'undici';
import { callTimer } from './call-metrics.ts';

export interface HttpClientOptions {
  /** Where the other service is: `http://payment-service` in Kubernetes, a local stand-in in `npm start`. */
  baseUrl: string | URL;
  /** Default deadline of one call, for everything: connecting, sending, the headers and the whole body. */
  timeoutMs: number;
  /** Sockets kept open to this base URL (keep-alive); calls beyond them queue. */
  connections?: number;
  /** Sent as `user-agent`, so the other side's logs say who called, e.g. `myshop-cart`. */
  userAgent?: string;
  /** Larger response bodies are refused (a broken or hostile peer cannot fill our memory). */
  maxResponseBytes?: number;
  /**
   * The app's metrics registry: every call is timed in `http_client_request_duration_seconds`
   * by target, method and outcome. Without it nothing is measured.
   */
  metricsRegistry?: Registry;
  /** The `target` label of those metrics, e.g. `payment`; defaults to the base URL's host. */
  target?: string;
}

/** The request being served; its id and the caller's token may travel with the call. */
export interface IncomingRequestLike {
  id: string;
  headers: IncomingHttpHeaders;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface CallOptions<S extends TSchema | undefined = undefined> {
  method: HttpMethod;
  /** Appended to the base URL's path, e.g. `/payment/charges`. */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  /** Sent as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Its `x-request-id` follows the call, so one id spans services (the trace context follows on its own). */
  incoming?: IncomingRequestLike;
  /** Also pass on the incoming request's `Authorization`: the other service acts for the same user. */
  forwardAuthorization?: boolean;
  /** Overrides the client's default deadline for this call. */
  timeoutMs?: number;
  /** Checked against a 2xx body: an answer of the wrong shape is the peer's failure, not ours to trust. */
  schema?: S;
  /**
   * The call is safe to send twice: an idempotent method, a POST carrying an Idempotency-Key the
   * other side keeps, or one whose repeat only makes another of the same thing (a token). Sent
   * once more, at once, when the first try broke on the way (a connection refused or cut, or a
   * proxy's 502): what a replica that just died leaves behind, which the second try routes around.
   */
  repeatable?: boolean;
}

/** Response headers, lower-cased. */
export type ResponseHeaders = Record<string, string | string[] | undefined>;

/** A 2xx answer. */
export interface HttpOk<T> {
  kind: 'ok';
  status: number;
  headers: ResponseHeaders;
  body: T;
}

/** A 4xx answer: the other service understood and said no; the caller decides what its code means. */
export interface HttpRejected {
  kind: 'rejected';
  status: number;
  headers: ResponseHeaders;
  /** The parsed JSON body, or undefined when there was none (or it was not JSON). */
  body: unknown;
  /** `code` and `message` of a `{ statusCode, code, error, message }` body, when it is one. */
  code?: string;
  message?: string;
}

/**
 * No usable answer: refused or broken connection, deadline passed, a 5xx, or a body that is not
 * what was promised. Whether the other side acted is unknown, so only an idempotent retry is safe.
 */
export interface HttpUnavailable {
  kind: 'unavailable';
  reason: 'timeout' | 'connection' | 'server-error' | 'bad-response';
  /** The answer's status, when one arrived. */
  status?: number;
  /** The error code from the answer's body, or the socket's error code. */
  code?: string;
  /** For logs: what happened, without any request data. */
  detail: string;
}

export type HttpOutcome<T> = HttpOk<T> | HttpRejected | HttpUnavailable;

export interface HttpClient {
  readonly baseUrl: URL;
  request<S extends TSchema | undefined = undefined>(
    options: CallOptions<S>,
  ): Promise<HttpOutcome<S extends TSchema ? Static<S> : unknown>>;
  /** Closes the kept-alive sockets; pending calls finish first. */
  close(): Promise<void>;
}

const DEFAULT_MAX_RESPONSE_BYTES = 1_048_576;

/** Socket-level failures: the peer is down, restarting or unreachable. Anything else is a bug here. */
const CONNECTION_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
]);
const TIMEOUT_ERRORS = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

class DeadlineExceeded extends Error {
  constructor(timeoutMs: number) {
    super(`no complete answer within ${timeoutMs} ms`);
    this.name = 'DeadlineExceeded';
  }
}

class ResponseTooLarge extends Error {}

/**
 * One client per other service: a keep-alive undici Pool for its base URL, a deadline on every
 * call, JSON both ways, the request id propagated, and every failure turned into an outcome the
 * caller must handle (`ok`, `rejected` for 4xx, `unavailable`) instead of an exception. It
 * repeats a call only when the caller says it is safe (`repeatable`), and then once, only for a
 * try that broke on the way.
 *
 * The W3C trace context is not written here: @opentelemetry/instrumentation-undici (started by
 * @myshop/telemetry's preload) opens a client span for each call and injects *its* context, the
 * right parent for the other side. Injecting here as well sent two `traceparent` values, which
 * the receiving side cannot parse, and split every trace in two.
 */
export function createHttpClient(options: HttpClientOptions): HttpClient {
  const baseUrl = new URL(options.baseUrl);
  if (baseUrl.protocol !== 'http:' && baseUrl.protocol !== 'https:') {
    throw new TypeError(`baseUrl must be an http(s) URL, got ${baseUrl.protocol}`);
  }
  const basePath = baseUrl.pathname.replace(/\/+$/, '');
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const timing = options.metricsRegistry ? callTimer(options.metricsRegistry, options.target ?? baseUrl.host) : undefined;
  const pool = new Pool(baseUrl.origin, {
    connections: options.connections ?? 32,
    connect: { timeout: options.timeoutMs },
    keepAliveTimeout: 10_000,
  });

  async function request<S extends TSchema | undefined = undefined>(
    call: CallOptions<S>,
  ): Promise<HttpOutcome<S extends TSchema ? Static<S> : unknown>> {
    if (!timing) return exchangeOnceMore(call);
    const stop = timing.start(call.method);
    try {
      const outcome = await exchangeOnceMore(call);
      stop(outcome.kind === 'unavailable' ? outcome.reason : outcome.kind);
      return outcome;
    } catch (error) {
      stop('error');
      throw error;
    }
  }

  /** A repeatable call broken on the way is sent a second time (never a third). */
  async function exchangeOnceMore<S extends TSchema | undefined = undefined>(
    call: CallOptions<S>,
  ): Promise<HttpOutcome<S extends TSchema ? Static<S> : unknown>> {
    const outcome = await exchange(call);
    return call.repeatable && brokenOnTheWay(outcome) ? exchange(call) : outcome;
  }

  async function exchange<S extends TSchema | undefined = undefined>(
    call: CallOptions<S>,
  ): Promise<HttpOutcome<S extends TSchema ? Static<S> : unknown>> {
    const timeoutMs = call.timeoutMs ?? options.timeoutMs;
    const headers = outgoingHeaders(call, options.userAgent);
    const payload = call.body === undefined ? undefined : JSON.stringify(call.body);
    if (payload !== undefined) headers['content-type'] = 'application/json';

    // One deadline for the whole exchange; undici's own timers only bound each silence.
    const controller = new AbortController();
    const deadline = new DeadlineExceeded(timeoutMs);
    const timer = setTimeout(() => controller.abort(deadline), timeoutMs);
    try {
      const response = await pool.request({
        method: call.method,
        path: `${basePath}${call.path}${queryString(call.query)}`,
        headers,
        body: payload,
        signal: controller.signal,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      const text = await readText(response.body, maxResponseBytes);
      const responseHeaders = response.headers as ResponseHeaders;
      return classify(response.statusCode, responseHeaders, text, call.schema) as HttpOutcome<S extends TSchema ? Static<S> : unknown>;
    } catch (error) {
      if (controller.signal.aborted || TIMEOUT_ERRORS.has(errorCode(error))) {
        return { kind: 'unavailable', reason: 'timeout', detail: `${describeTarget(call)}: ${deadline.message}` };
      }
      if (error instanceof ResponseTooLarge) {
        return {
          kind: 'unavailable',
          reason: 'bad-response',
          detail: `${describeTarget(call)}: answer larger than ${maxResponseBytes} bytes`,
        };
      }
      const code = errorCode(error);
      if (CONNECTION_ERRORS.has(code)) {
        return { kind: 'unavailable', reason: 'connection', code, detail: `${describeTarget(call)}: ${code}` };
      }
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    baseUrl,
    request,
    close: () => pool.close(),
  };
}

/** The call met no live process that answered: refused, cut, or a proxy's 502 (its upstream failed it). */
function brokenOnTheWay(outcome: HttpOutcome<unknown>): boolean {
  return outcome.kind === 'unavailable' && (outcome.reason === 'connection' || outcome.status === 502);
}

function outgoingHeaders(call: CallOptions<TSchema | undefined>, userAgent: string | undefined): Record<string, string> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (userAgent) headers['user-agent'] = userAgent;
  for (const [name, value] of Object.entries(call.headers ?? {})) headers[name.toLowerCase()] = value;
  if (call.incoming) {
    headers['x-request-id'] = call.incoming.id;
    const authorization = call.incoming.headers.authorization;
    if (call.forwardAuthorization && authorization) headers.authorization = authorization;
  }
  return headers;
}

function classify(status: number, headers: ResponseHeaders, text: string, schema: TSchema | undefined): HttpOutcome<unknown> {
  const json = parseJson(text);
  if (status >= 200 && status < 300) {
    if (text.length > 0 && json === undefined) {
      return { kind: 'unavailable', reason: 'bad-response', status, detail: `answered ${status} with a body that is not JSON` };
    }
    if (schema && !Value.Check(schema, json)) {
      return { kind: 'unavailable', reason: 'bad-response', status, detail: `answered ${status} with a body of an unexpected shape` };
    }
    return { kind: 'ok', status, headers, body: json };
  }
  const { code, message } = errorFields(json);
  if (status >= 400 && status < 500) {
    return { kind: 'rejected', status, headers, body: json, code, message };
  }
  return {
    kind: 'unavailable',
    reason: status >= 500 ? 'server-error' : 'bad-response',
    status,
    code,
    detail: describeAnswer(status, code),
  };
}

/** An answer as logs word it: its status, and the error code of its body when it has one. */
export function describeAnswer(status: number, code?: string): string {
  return `answered ${status}${code ? ` ${code}` : ''}`;
}

async function readText(body: AsyncIterable<Buffer>, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limit) throw new ResponseTooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function errorFields(json: unknown): { code?: string; message?: string } {
  if (!json || typeof json !== 'object') return {};
  const { code, message } = json as { code?: unknown; message?: unknown };
  return {
    ...(typeof code === 'string' ? { code } : {}),
    ...(typeof message === 'string' ? { message } : {}),
  };
}

function queryString(query: CallOptions['query']): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
}

function errorCode(error: unknown): string {
  const withCode = error as { code?: unknown; cause?: { code?: unknown } } | undefined;
  if (typeof withCode?.code === 'string') return withCode.code;
  if (typeof withCode?.cause?.code === 'string') return withCode.cause.code;
  return '';
}

/** Method and path only: query strings and bodies may carry data that logs must not. */
function describeTarget(call: CallOptions<TSchema | undefined>): string {
  return `${call.method} ${call.path}`;
}
