import { request } from 'undici';

export interface Endpoint {
  /** `user-1`, `user-2`, …: what logs and reports call the replica. */
  name: string;
  origin: string;
  ready: boolean;
  /** Failed probes in a row; the endpoint leaves the rotation at `failureThreshold`. */
  failures: number;
}

export interface EndpointsOptions {
  /** How often each replica's /readyz is asked (the readiness probe's period). */
  probeIntervalMs?: number;
  /** A probe without an answer within this long has failed. */
  probeTimeoutMs?: number;
  /** Failed probes in a row before a replica leaves the rotation (Kubernetes' failureThreshold). */
  failureThreshold?: number;
  /** Told whenever a replica enters or leaves the rotation, and why. */
  onChange?: (endpoint: Endpoint, reason: string) => void;
}

/** How the stand-ins probe by default: often, so that a draining replica leaves the rotation quickly. */
export const PROBE_INTERVAL_MS = 250;
export const PROBE_TIMEOUT_MS = 1000;
export const FAILURE_THRESHOLD = 3;

/** The body of a 503 from @myshop/health: `draining` once shutdown began. */
interface ProbeBody {
  status?: string;
  message?: string;
}

/**
 * The ready replicas of one service, like a Kubernetes Service's EndpointSlice: each replica's
 * /readyz is polled, and requests go round-robin over the ready ones.
 *
 * As in a cluster, one slow or failed probe is not enough to drop a replica: it leaves after
 * `failureThreshold` failures in a row, so a busy moment does not empty the Service. A replica
 * that says it is draining leaves at once, as a terminating pod leaves its EndpointSlice
 * without waiting for probes; so does one that refuses connections (nothing listens any more).
 */
export class Endpoints {
  readonly service: string;
  private readonly endpoints = new Map<string, Endpoint>();
  private readonly probing = new Set<string>();
  private next = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly probeTimeoutMs: number;
  private readonly failureThreshold: number;
  private readonly onChange: (endpoint: Endpoint, reason: string) => void;

  constructor(service: string, options: number | EndpointsOptions = {}) {
    const settings = typeof options === 'number' ? { probeIntervalMs: options } : options;
    const probeIntervalMs = settings.probeIntervalMs ?? PROBE_INTERVAL_MS;
    this.service = service;
    this.probeTimeoutMs = settings.probeTimeoutMs ?? PROBE_TIMEOUT_MS;
    this.failureThreshold = settings.failureThreshold ?? FAILURE_THRESHOLD;
    this.onChange = settings.onChange ?? (() => undefined);
    this.timer = setInterval(() => void this.probeAll(), probeIntervalMs);
    this.timer.unref();
  }

  /** A new replica starts out of rotation until its first successful readiness probe. */
  add(name: string, origin: string): void {
    this.endpoints.set(name, { name, origin, ready: false, failures: 0 });
    void this.probe(name);
  }

  remove(name: string): void {
    this.endpoints.delete(name);
  }

  /** Taken out at once, e.g. after a refused connection, instead of at the next probes. */
  markUnready(name: string, reason = 'marked unready'): void {
    const endpoint = this.endpoints.get(name);
    if (endpoint) this.set(endpoint, false, reason);
  }

  ready(): Endpoint[] {
    return [...this.endpoints.values()].filter((endpoint) => endpoint.ready);
  }

  all(): Endpoint[] {
    return [...this.endpoints.values()];
  }

  /** Round-robin over ready replicas, skipping those already tried for this request. */
  pick(exclude: ReadonlySet<string> = new Set()): Endpoint | undefined {
    const candidates = this.ready().filter((endpoint) => !exclude.has(endpoint.name));
    if (candidates.length === 0) return undefined;
    this.next = (this.next + 1) % candidates.length;
    return candidates[this.next];
  }

  /** Rejects at the deadline, or as soon as the replica is removed (the stack removes one whose process exited). */
  async waitUntilReady(name: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.endpoints.get(name)?.ready) {
      if (!this.endpoints.has(name)) throw new Error(`${name} was removed before it was ready`);
      if (Date.now() > deadline) throw new Error(`${name} not ready after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
      await this.probe(name);
    }
  }

  close(): void {
    clearInterval(this.timer);
  }

  private async probeAll(): Promise<void> {
    await Promise.all([...this.endpoints.keys()].map((name) => this.probe(name)));
  }

  private async probe(name: string): Promise<void> {
    const endpoint = this.endpoints.get(name);
    // One probe at a time per replica: a slow one is not joined by more.
    if (!endpoint || this.probing.has(name)) return;
    this.probing.add(name);
    try {
      const outcome = await this.ask(endpoint);
      if (this.endpoints.get(name) !== endpoint) return;
      if (outcome.ready) {
        endpoint.failures = 0;
        this.set(endpoint, true, 'readiness probe passed');
        return;
      }
      endpoint.failures += 1;
      if (outcome.now || endpoint.failures >= this.failureThreshold) {
        this.set(
          endpoint,
          false,
          outcome.now ? outcome.reason : `${endpoint.failures} readiness probes failed, the last: ${outcome.reason}`,
        );
      }
    } finally {
      this.probing.delete(name);
    }
  }

  /** One readiness probe: ready or not, whether that is final at once, and why. */
  private async ask(endpoint: Endpoint): Promise<{ ready: true } | { ready: false; now: boolean; reason: string }> {
    try {
      const response = await request(`${endpoint.origin}/readyz`, {
        headersTimeout: this.probeTimeoutMs,
        bodyTimeout: this.probeTimeoutMs,
        signal: AbortSignal.timeout(this.probeTimeoutMs),
      });
      if (response.statusCode === 200) {
        await response.body.dump();
        return { ready: true };
      }
      const body = (await response.body.json().catch(() => ({}))) as ProbeBody;
      const reason = `/readyz ${response.statusCode}${body.message ? ` (${body.message})` : ''}`;
      return { ready: false, now: body.status === 'draining', reason };
    } catch (error) {
      const code = (error as { code?: string }).code ?? (error as Error).name;
      return { ready: false, now: code === 'ECONNREFUSED', reason: `/readyz ${code}` };
    }
  }

  private set(endpoint: Endpoint, ready: boolean, reason: string): void {
    if (endpoint.ready === ready) return;
    endpoint.ready = ready;
    this.onChange(endpoint, reason);
  }
}
