import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { errorBody } from '@myshop/errors';
import { SANDBOX_CARDS } from '@myshop/schemas';
import { sendStored } from '@myshop/server';
import Fastify, { type FastifyInstance } from 'fastify';
import { onTestFinished } from 'vitest';

export interface ChargeRequest {
  headers: Record<string, string | string[] | undefined>;
  body: {
    amount: number;
    currency: string;
    card: { number: string; expMonth: number; expYear: number; cvc: string };
    description?: string;
    metadata?: Record<string, string>;
  };
}

interface StoredAnswer {
  fingerprint: string;
  statusCode: number;
  body: unknown;
  done: boolean;
  orderId?: string;
}

/** The fingerprint of a voided key: every request with it gets the voided answer. */
const VOIDED = 'voided';

/** What the next charge requests get instead of the contract's answer (an outage, a bug…). */
export type Override = { statusCode: number; body: unknown } | { malformed: true };

/**
 * A stand-in that keeps the payment service's contract: POST /payment/charges with an
 * Idempotency-Key, 201 with the charge, 402 `card_declined` / `insufficient_funds` for the sandbox
 * cards, the same key and body replayed (Idempotent-Replayed: true), a different body 422, a
 * request still running 409; POST /payment/charges/void; the refund feed. On top, the faults the
 * cart must survive: a slow answer (after the
 * charge is made), an override answer, or no server at all (`stop()`).
 */
export async function startFakePayment() {
  const app: FastifyInstance = Fastify({ logger: false, forceCloseConnections: true });
  const requests: ChargeRequest[] = [];
  const voids: Array<{ headers: ChargeRequest['headers'] }> = [];
  const feedReads: Array<{ headers: ChargeRequest['headers'] }> = [];
  const refunds: Array<{ id: string; chargeId: string; orderId: string | null; amount: number; createdAt: string }> = [];
  const charges: Array<{ id: string; amount: number; key: string; status: 'succeeded' | 'failed' }> = [];
  const answers = new Map<string, StoredAnswer>();
  const state = {
    /** Wait this long after deciding (and recording) a charge before answering; to outlast a deadline, `holdNextAnswer()`. */
    delayMs: 0,
    override: undefined as Override | undefined,
    /** Called once the charge is recorded, before the answer leaves (e.g. to simulate a crash). */
    onCharged: undefined as (() => Promise<void>) | undefined,
    /** Cut every connection without an answer, as a replica dying mid-request does. */
    dropConnections: false,
    /** Cut only the next this many charge requests' connections. */
    dropNextConnections: 0,
    /** What a void gets instead of the contract's answer. */
    voidOverride: undefined as { statusCode: number; body: unknown } | undefined,
    /** What reads of the refund feed get instead of a page. */
    feedOverride: undefined as { statusCode: number; body: unknown } | undefined,
  };

  app.post('/payment/charges', async (request, reply) => {
    const body = request.body as ChargeRequest['body'];
    requests.push({ headers: request.headers, body });
    if (state.dropConnections || state.dropNextConnections > 0) {
      state.dropNextConnections = Math.max(0, state.dropNextConnections - 1);
      request.raw.socket.destroy();
      return reply.hijack();
    }
    if (state.override) {
      if ('malformed' in state.override) return reply.code(201).send({ unexpected: true });
      return reply.code(state.override.statusCode).send(state.override.body);
    }
    const key = request.headers['idempotency-key'];
    if (typeof key !== 'string') return reply.code(400).send(errorBody(400, 'FST_ERR_VALIDATION', 'headers/idempotency-key is required'));
    const fingerprint = JSON.stringify(body);
    const previous = answers.get(key);
    if (previous) {
      if (previous.fingerprint === VOIDED) return sendStored(reply, { ...previous, replayed: true });
      if (previous.fingerprint !== fingerprint) return reply.code(422).send(errorBody(422, 'PAYMENT_IDEMPOTENCY_KEY_REUSED', 'key reused'));
      if (!previous.done) return reply.code(409).send(errorBody(409, 'PAYMENT_IDEMPOTENCY_IN_PROGRESS', 'in progress'));
      return sendStored(reply, { ...previous, replayed: true });
    }
    const answer: StoredAnswer = { fingerprint, statusCode: 0, body: undefined, done: false, orderId: body.metadata?.orderId };
    answers.set(key, answer);
    const declined = { [SANDBOX_CARDS.declined]: 'card_declined', [SANDBOX_CARDS.insufficientFunds]: 'insufficient_funds' }[
      body.card.number
    ];
    const id = randomUUID();
    charges.push({ id, amount: body.amount, key, status: declined ? 'failed' : 'succeeded' });
    if (declined) {
      Object.assign(answer, { statusCode: 402, body: errorBody(402, declined, `The card was declined (${declined})`), done: true });
    } else {
      const charge = {
        id,
        status: 'succeeded',
        amount: body.amount,
        amountRefunded: 0,
        currency: body.currency,
        card: { brand: 'visa', last4: body.card.number.slice(-4) },
        description: body.description ?? null,
        metadata: body.metadata ?? {},
        failureCode: null,
        createdAt: new Date().toISOString(),
      };
      Object.assign(answer, { statusCode: 201, body: charge, done: true });
    }
    await state.onCharged?.();
    if (state.delayMs > 0) await sleep(state.delayMs);
    return reply.code(answer.statusCode).send(answer.body);
  });

  // What a charge attempt whose outcome was lost turns into: its answer, or voided for good.
  app.post('/payment/charges/void', async (request, reply) => {
    voids.push({ headers: request.headers });
    if (state.voidOverride) return reply.code(state.voidOverride.statusCode).send(state.voidOverride.body);
    const key = request.headers['idempotency-key'] as string;
    const previous = answers.get(key);
    if (previous && !previous.done) return reply.code(409).send(errorBody(409, 'PAYMENT_IDEMPOTENCY_IN_PROGRESS', 'in progress'));
    if (previous) return sendStored(reply, { ...previous, replayed: true });
    const voided = { fingerprint: VOIDED, statusCode: 409, body: errorBody(409, 'PAYMENT_CHARGE_VOIDED', 'voided'), done: true };
    answers.set(key, voided);
    return reply.code(409).send(voided.body);
  });

  // The refund feed: refunds the test makes (`refund()`), in order; the cursor is a position.
  app.get('/payment/refunds', async (request, reply) => {
    feedReads.push({ headers: request.headers });
    if (state.feedOverride) return reply.code(state.feedOverride.statusCode).send(state.feedOverride.body);
    const { after, limit } = request.query as { after?: string; limit?: string };
    const start = after === undefined ? 0 : Number(after);
    const items = refunds.slice(start, start + Number(limit ?? 100));
    return { items, nextCursor: String(start + items.length) };
  });

  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  onTestFinished(() => app.close());

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    voids,
    feedReads,
    charges,
    state,
    /**
     * Makes the next charge (recorded at once, as payment does) and holds its answer until
     * `release()`: the caller's deadline runs out first however slow the machine, where a fixed
     * delay raced it. Bounded, so that a caller without a deadline fails its test instead of
     * hanging it.
     */
    holdNextAnswer(boundMs = 10_000): () => void {
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      state.onCharged = () => {
        state.onCharged = undefined;
        return Promise.race([released, sleep(boundMs, undefined, { ref: false })]);
      };
      return release;
    },
    /** An operator's refund of a charge, as the feed will tell it. */
    refund(chargeId: string, amount: number) {
      const charge = charges.find((candidate) => candidate.id === chargeId);
      const orderId = answers.get(charge?.key ?? '')?.orderId ?? null;
      refunds.push({ id: randomUUID(), chargeId, orderId, amount, createdAt: new Date().toISOString() });
    },
    /** Nothing listens any more: connections are refused, as when every replica is down. */
    stop: () => app.close(),
  };
}

export type FakePayment = Awaited<ReturnType<typeof startFakePayment>>;
