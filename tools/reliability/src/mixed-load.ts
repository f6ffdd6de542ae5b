import { randomInt, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { errorCode, type Answer, type CallOptions, type GatewayClient } from '@myshop/devstack';
import { sandboxCard } from '@myshop/schemas';
import { DECLINED, VISA, type ProductRef, type Shopper } from './shoppers.ts';

export type RequestKind = 'read' | 'cart-write' | 'checkout';

/** One request of the load, as the client saw it. */
export interface Sample {
  kind: RequestKind;
  /** `POST /cart/checkout`: the route, ids left out. */
  route: string;
  /** Milliseconds since the load started. */
  start: number;
  ms: number;
  /** Absent when no answer came: connection refused or broken, or the deadline passed. */
  status?: number;
  /** The error code of the body, or of the connection. */
  code?: string;
  retryAfter?: string;
}

/** A failure as the reliability targets count them: a 5xx, or no answer at all. */
export const isFailure = (sample: Sample): boolean => sample.status === undefined || sample.status >= 500;

export interface CheckoutRecord {
  key: string;
  shopper: string;
  /** `refused`: a 4xx that ends the checkout (an empty cart…); `abandoned`: no final answer before the load's end. */
  outcome: 'unsettled' | 'paid' | 'declined' | 'refused' | 'abandoned';
  attempts: number;
  orderId?: string;
  chargeId?: string;
  amount?: number;
}

export interface MixedLoadOptions {
  client: GatewayClient;
  shoppers: Shopper[];
  products: ProductRef[];
  /** Requests per second the load aims at (all shoppers together). */
  ratePerSecond: number;
  /** One checkout in this many pays with a card that is declined (402: a final answer, not a failure). */
  declineEvery?: number;
  /** Deadline of one request. */
  timeoutMs?: number;
}

export interface LoadSummary {
  requests: number;
  failures: number;
  /** 4xx the load did not expect (401, 400, 429…): not failures by that count, but suspicious. */
  unexpected: number;
  seconds: number;
  ratePerSecond: number;
  byKind: Record<RequestKind, number>;
  checkouts: Record<CheckoutRecord['outcome'], number>;
  /** The first few failures, for the report. */
  failureSamples: Sample[];
  unexpectedSamples: Sample[];
}

/** Answers each kind of request may legitimately get, besides 2xx. */
const EXPECTED_CLIENT_ERRORS: Record<string, Set<number>> = {
  'PUT /cart/items/:id': new Set([404]),
  'POST /cart/checkout': new Set([402, 409]),
};

/**
 * A bounded, mixed load through the gateway, like shoppers would send it: each shopper browses
 * the catalogue, changes its cart, checks out with an `Idempotency-Key` every other round and
 * looks at its orders, profile and charges. All shoppers together are paced to `ratePerSecond`.
 *
 * A checkout that gets no final answer (a 5xx, a broken connection, 409 in progress) is retried
 * with the same key after `Retry-After`, as a well-behaved client does, until it is paid or
 * declined; every attempt is counted, the failed ones as failures.
 */
export class MixedLoad {
  readonly samples: Sample[] = [];
  readonly checkouts: CheckoutRecord[] = [];
  private readonly options: MixedLoadOptions;
  private readonly intervalMs: number;
  private nextSlot = 0;
  private startedAt = 0;
  private stoppedAt = 0;
  private stopping = false;
  private settleDeadline = Number.POSITIVE_INFINITY;
  private running: Promise<void>[] = [];
  private checkoutCount = 0;

  constructor(options: MixedLoadOptions) {
    this.options = options;
    this.intervalMs = 1000 / options.ratePerSecond;
  }

  /** Milliseconds since the load started: the time base of every sample. */
  now(): number {
    return performance.now() - this.startedAt;
  }

  start(): void {
    this.startedAt = performance.now();
    this.nextSlot = this.startedAt;
    this.running = this.options.shoppers.map((shopper) => this.shop(shopper));
  }

  /**
   * Stops starting new rounds; the rounds under way finish, and every checkout still without a
   * final answer is retried (same key) for up to `settleMs`.
   */
  async stop(settleMs = 30_000): Promise<LoadSummary> {
    this.stopping = true;
    this.stoppedAt = this.now();
    this.settleDeadline = performance.now() + settleMs;
    await Promise.all(this.running);
    return this.summary();
  }

  /** Figures over the samples that started within [from, to) ms (default: all of them). */
  summary(from = 0, to = Number.POSITIVE_INFINITY): LoadSummary {
    const samples = this.samples.filter((sample) => sample.start >= from && sample.start < to);
    const failures = samples.filter(isFailure);
    const unexpected = samples.filter((sample) => this.isUnexpected(sample));
    // The rate is over the time the load ran; the retries of the settling phase after it are not paced.
    const end = Math.min(to, this.stoppedAt || this.now());
    const seconds = Math.max(0, end - from) / 1000;
    const count = (outcome: CheckoutRecord['outcome']) => this.checkouts.filter((record) => record.outcome === outcome).length;
    return {
      requests: samples.length,
      failures: failures.length,
      unexpected: unexpected.length,
      seconds,
      ratePerSecond: seconds > 0 ? samples.filter((sample) => sample.start < end).length / seconds : 0,
      byKind: {
        read: samples.filter((sample) => sample.kind === 'read').length,
        'cart-write': samples.filter((sample) => sample.kind === 'cart-write').length,
        checkout: samples.filter((sample) => sample.kind === 'checkout').length,
      },
      checkouts: {
        paid: count('paid'),
        declined: count('declined'),
        refused: count('refused'),
        unsettled: count('unsettled'),
        abandoned: count('abandoned'),
      },
      failureSamples: failures.slice(0, 10),
      unexpectedSamples: unexpected.slice(0, 10),
    };
  }

  private isUnexpected(sample: Sample): boolean {
    if (sample.status === undefined || sample.status < 400 || sample.status >= 500) return false;
    return !EXPECTED_CLIENT_ERRORS[sample.route]?.has(sample.status);
  }

  private async shop(shopper: Shopper): Promise<void> {
    const { products } = this.options;
    for (let round = 1; !this.stopping; round += 1) {
      const product = products[randomInt(products.length)]!;
      await this.send(shopper, 'read', 'GET /cart/products', 'GET', `/cart/products?limit=${randomInt(5, 30)}`);
      await this.send(shopper, 'cart-write', 'POST /cart/items', 'POST', '/cart/items', {
        body: { productId: product.id, quantity: randomInt(1, 4) },
      });
      await this.send(shopper, 'read', 'GET /cart', 'GET', '/cart');
      if (round % 3 === 0) {
        await this.send(shopper, 'cart-write', 'PUT /cart/items/:id', 'PUT', `/cart/items/${product.id}`, {
          body: { quantity: randomInt(1, 4) },
        });
      }
      if (round % 2 === 0) {
        await this.checkout(shopper);
        await this.send(shopper, 'read', 'GET /cart/orders', 'GET', '/cart/orders?limit=5');
      }
      await this.send(shopper, 'read', 'GET /user/me', 'GET', '/user/me');
      if (round % 4 === 0) await this.send(shopper, 'read', 'GET /payment/charges', 'GET', '/payment/charges?limit=5');
    }
  }

  private async checkout(shopper: Shopper): Promise<void> {
    this.checkoutCount += 1;
    const declineEvery = this.options.declineEvery ?? 8;
    const payWith = sandboxCard(this.checkoutCount % declineEvery === 0 ? DECLINED : VISA);
    const record: CheckoutRecord = { key: randomUUID(), shopper: shopper.email, outcome: 'unsettled', attempts: 0 };
    this.checkouts.push(record);
    for (;;) {
      record.attempts += 1;
      const answer = await this.send(shopper, 'checkout', 'POST /cart/checkout', 'POST', '/cart/checkout', {
        body: { card: payWith },
        key: record.key,
      });
      const body = answer?.body as { orderId?: string; chargeId?: string; amount?: number; code?: string } | undefined;
      if (answer?.status === 201) {
        Object.assign(record, { outcome: 'paid', orderId: body?.orderId, chargeId: body?.chargeId, amount: body?.amount });
        return;
      }
      if (answer?.status === 402) {
        record.outcome = 'declined';
        return;
      }
      // Nothing to buy (the item did not make it into the cart), or another refusal: final too.
      if (answer && answer.status >= 400 && answer.status < 500 && body?.code !== 'CART_CHECKOUT_IN_PROGRESS') {
        record.outcome = 'refused';
        return;
      }
      // No final answer yet: the same key again, after the time the server asked for.
      if (performance.now() > this.settleDeadline) {
        record.outcome = 'abandoned';
        return;
      }
      await sleep(retryAfterMs(answer));
    }
  }

  /** One paced request; the answer, or undefined when none came (recorded either way). */
  private async send(
    shopper: Shopper,
    kind: RequestKind,
    route: string,
    method: string,
    path: string,
    options: Omit<CallOptions, 'token'> = {},
  ): Promise<Answer | undefined> {
    await this.pace();
    const sample: Sample = { kind, route, start: this.now(), ms: 0 };
    this.samples.push(sample);
    try {
      const answer = await this.options.client.call(method, path, { ...options, token: shopper.token, timeoutMs: this.options.timeoutMs });
      sample.status = answer.status;
      const code = (answer.body as { code?: unknown } | undefined)?.code;
      if (typeof code === 'string') sample.code = code;
      const retryAfter = answer.headers['retry-after'];
      if (retryAfter !== undefined) sample.retryAfter = String(retryAfter);
      return answer;
    } catch (error) {
      sample.code = errorCode(error);
      return undefined;
    } finally {
      sample.ms = this.now() - sample.start;
    }
  }

  /** Waits for this request's slot: all shoppers together send at most `ratePerSecond`. */
  private async pace(): Promise<void> {
    const now = performance.now();
    // No bursts to catch up after a slow spell: the rate reported is the rate that was kept.
    const slot = Math.max(this.nextSlot, now);
    this.nextSlot = slot + this.intervalMs;
    if (slot > now) await sleep(slot - now);
  }
}

/** Retry-After in milliseconds (1 s when absent or unreadable, at most 5 s). */
export function retryAfterMs(answer: Answer | undefined): number {
  const header = answer?.headers['retry-after'];
  const seconds = Number(Array.isArray(header) ? header[0] : header);
  return Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds, 5) * 1000 : 1000;
}
