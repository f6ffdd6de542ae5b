import { Agent, request } from 'undici';

/** The host the Ingress (and so the local gateway) routes. */
export const SHOP_HOST = 'myshop.com';

export interface CallOptions {
  body?: unknown;
  token?: string;
  /** Sent as `Idempotency-Key`. */
  key?: string;
  /** Any other headers (a Basic `authorization` of a service, say). */
  headers?: Record<string, string>;
  /** Deadline of the whole exchange (default 15 s): past it the call is a timeout, not a hang. */
  timeoutMs?: number;
}

export interface Answer<T = unknown> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
}

/**
 * A browser on myshop.com talking to the gateway: undici with enough keep-alive connections
 * for the load, every call under a deadline. Connection errors and timeouts are thrown.
 */
export class GatewayClient {
  readonly gatewayUrl: string;
  private readonly agent: Agent;

  constructor(gatewayUrl: string, connections = 128) {
    this.gatewayUrl = gatewayUrl;
    this.agent = new Agent({ connections, keepAliveTimeout: 10_000 });
  }

  async call<T = Record<string, unknown>>(method: string, path: string, options: CallOptions = {}): Promise<Answer<T>> {
    const timeoutMs = options.timeoutMs ?? 15_000;
    const response = await request(`${this.gatewayUrl}${path}`, {
      dispatcher: this.agent,
      method: method as 'GET',
      headers: {
        host: SHOP_HOST,
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...(options.key ? { 'idempotency-key': options.key } : {}),
        ...options.headers,
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.body.text();
    let body: unknown = undefined;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    return { status: response.statusCode, headers: response.headers, body: body as T };
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

/** The error code of a failed call (`ECONNRESET`, `UND_ERR_HEADERS_TIMEOUT`, `TimeoutError`…). */
export function errorCode(error: unknown): string {
  const failure = error as { code?: string; name?: string; cause?: { code?: string } };
  return failure?.code ?? failure?.cause?.code ?? failure?.name ?? 'ERROR';
}
