import { request } from 'undici';

export interface Endpoint {
  /** `user-1`, `user-2`, …: what logs and reports call the replica. */
  name: string;
  origin: string;
  ready: boolean;
}

/**
 * The ready replicas of one service, like a Kubernetes Service's EndpointSlice: each replica's
 * /readyz is polled, a replica that fails it leaves the rotation until it passes again, and
 * requests go round-robin over the ready ones.
 */
export class Endpoints {
  readonly service: string;
  private readonly endpoints = new Map<string, Endpoint>();
  private next = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly probeIntervalMs: number;

  constructor(service: string, probeIntervalMs = 250) {
    this.service = service;
    this.probeIntervalMs = probeIntervalMs;
    this.timer = setInterval(() => void this.probeAll(), probeIntervalMs);
    this.timer.unref();
  }

  /** A new replica starts out of rotation until its first successful readiness probe. */
  add(name: string, origin: string): void {
    this.endpoints.set(name, { name, origin, ready: false });
    void this.probe(name);
  }

  remove(name: string): void {
    this.endpoints.delete(name);
  }

  /** Taken out at once, e.g. after a refused connection, instead of at the next probe. */
  markUnready(name: string): void {
    const endpoint = this.endpoints.get(name);
    if (endpoint) endpoint.ready = false;
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

  async waitUntilReady(name: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.endpoints.get(name)?.ready) {
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
    if (!endpoint) return;
    let ready = false;
    try {
      const response = await request(`${endpoint.origin}/readyz`, {
        headersTimeout: this.probeIntervalMs * 4,
        bodyTimeout: this.probeIntervalMs * 4,
      });
      await response.body.dump();
      ready = response.statusCode === 200;
    } catch {
      ready = false;
    }
    const current = this.endpoints.get(name);
    if (current === endpoint) endpoint.ready = ready;
  }
}
