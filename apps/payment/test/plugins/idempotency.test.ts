import { randomUUID } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { canonicalJson } from '../../src/plugins/idempotency.ts';
import { buildPayment } from '../helpers.ts';

/** A unit of work that counts its runs. */
function countingWork() {
  const work = Object.assign(
    async () => {
      work.runs += 1;
      return { statusCode: 201, body: { run: work.runs } };
    },
    { runs: 0 },
  );
  return work;
}

const request = (overrides: Partial<{ userId: string; key: string; operation: string; input: unknown }> = {}) => ({
  userId: 'user-1',
  key: 'key-1',
  operation: 'TEST',
  input: { amount: 1 },
  ...overrides,
});

describe('idempotency plugin', () => {
  it('runs the work once and replays its stored response afterwards', async () => {
    const payment = await buildPayment();
    const work = countingWork();

    const first = await payment.app.idempotency.run(request(), work);
    const second = await payment.app.idempotency.run(request(), work);

    expect(first).toEqual({ statusCode: 201, body: { run: 1 }, replayed: false });
    expect(second).toEqual({ statusCode: 201, body: { run: 1 }, replayed: true });
    expect(work.runs).toBe(1);
  });

  it('refuses the key for another operation or input with PAYMENT_IDEMPOTENCY_KEY_REUSED', async () => {
    const payment = await buildPayment();
    const work = countingWork();
    await payment.app.idempotency.run(request(), work);

    await expect(payment.app.idempotency.run(request({ input: { amount: 2 } }), work)).rejects.toMatchObject({
      code: 'PAYMENT_IDEMPOTENCY_KEY_REUSED',
      statusCode: 422,
    });
    await expect(payment.app.idempotency.run(request({ operation: 'OTHER' }), work)).rejects.toMatchObject({
      code: 'PAYMENT_IDEMPOTENCY_KEY_REUSED',
    });
    expect(work.runs).toBe(1);
  });

  it('stores nothing and frees the key when the work fails, rolling back what it wrote', async () => {
    const payment = await buildPayment();
    const failing = async (tx: { query(text: string, values?: unknown[]): Promise<unknown> }) => {
      await tx.query(
        "INSERT INTO charges (user_id, status, amount, currency, card_brand, card_last4) VALUES ('u', 'succeeded', 1, 'USD', 'visa', '4242')",
      );
      throw new Error('processor exploded');
    };

    await expect(payment.app.idempotency.run(request(), failing)).rejects.toThrow('processor exploded');

    expect(await payment.database.query('SELECT * FROM charges')).toEqual([]);
    expect(await payment.database.query('SELECT * FROM idempotency_keys')).toEqual([]);
    const work = countingWork();
    expect(await payment.app.idempotency.run(request({ input: { amount: 99 } }), work)).toMatchObject({ replayed: false });
  });

  it('answers PAYMENT_IDEMPOTENCY_IN_PROGRESS while another request holds the key, then replays once it is done', async () => {
    const payment = await buildPayment();
    const other = await payment.replica();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));

    const slow = payment.app.idempotency.run(request(), async () => {
      started();
      await gate;
      return { statusCode: 201, body: { slow: true } };
    });
    await running;
    const meanwhile = other.idempotency.run(request(), countingWork());
    await expect(meanwhile).rejects.toMatchObject({ code: 'PAYMENT_IDEMPOTENCY_IN_PROGRESS', statusCode: 409 });
    release();

    expect(await slow).toEqual({ statusCode: 201, body: { slow: true }, replayed: false });
    expect(await other.idempotency.run(request(), countingWork())).toEqual({
      statusCode: 201,
      body: { slow: true },
      replayed: true,
    });
  });

  it('does not let an attempt commit once its claim was taken over', async () => {
    // One connection per replica, so the first attempt can be held between its claim and its transaction.
    const payment = await buildPayment({ env: { DATABASE_POOL_MAX: '1' } });
    const other = await payment.replica();
    const late = countingWork();

    const first = payment.app.idempotency.run(request(), late);
    const held = await payment.app.db.pool.connect(); // granted once the claim is made, ahead of the transaction
    await payment.database.query("UPDATE idempotency_keys SET lease_expires_at = now() - interval '1 second'");
    const takeover = await other.idempotency.run(request(), countingWork());
    held.release();

    await expect(first).rejects.toMatchObject({ code: 'PAYMENT_IDEMPOTENCY_IN_PROGRESS' });
    expect(late.runs).toBe(0);
    expect(takeover).toEqual({ statusCode: 201, body: { run: 1 }, replayed: false });
    expect(await payment.database.query('SELECT status, response_body FROM idempotency_keys')).toEqual([
      { status: 'completed', response_body: { run: 1 } },
    ]);
  });

  it('does not let an attempt run its work once another has claimed the key, even before that one finishes', async () => {
    const payment = await buildPayment({ env: { DATABASE_POOL_MAX: '1' } });
    const late = countingWork();
    const first = payment.app.idempotency.run(request(), late);
    // The pool's one connection: taken once the claim is made, so the attempt's transaction waits.
    const held = await payment.app.db.pool.connect();
    // Meanwhile another replica's takeover replaces the claim, and has not run its own work yet.
    const takeover = randomUUID();
    expect((await payment.database.query(`UPDATE idempotency_keys SET claim = '${takeover}' RETURNING key`)).length).toBe(1);
    held.release();

    await expect(first).rejects.toMatchObject({ code: 'PAYMENT_IDEMPOTENCY_IN_PROGRESS' });
    expect(late.runs).toBe(0);
    // Failing, it frees only a claim of its own: the takeover still holds the key.
    expect(await payment.database.query('SELECT claim, status FROM idempotency_keys')).toEqual([
      { claim: takeover, status: 'in_progress' },
    ]);
  });

  it('holds the key while the work runs: a retry finding the lease run out waits for it and replays, never running the work twice', async () => {
    const payment = await buildPayment({ env: { DATABASE_POOL_MAX: '1' } });
    const other = await payment.replica();
    const work = countingWork();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));

    const first = payment.app.idempotency.run(request(), async () => {
      started();
      await gate;
      return work();
    });
    const held = await payment.app.db.pool.connect(); // granted once the claim is made, ahead of the transaction
    // The attempt outlives its lease (a long pause): to a retry, it looks dead.
    await payment.database.query("UPDATE idempotency_keys SET lease_expires_at = now() - interval '1 second'");
    held.release();
    await running;

    let settled = false;
    const retry = other.idempotency.run(request(), work).finally(() => (settled = true));
    // The retry's takeover waits for the running attempt's transaction (or, were the key not held, is done already).
    while (!settled) {
      const [waiting] = await payment.database.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
      );
      if (waiting!.n > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    release();

    expect(await first).toEqual({ statusCode: 201, body: { run: 1 }, replayed: false });
    expect(await retry).toEqual({ statusCode: 201, body: { run: 1 }, replayed: true });
    expect(work.runs).toBe(1);
  });

  it('leases a claim for 30 seconds, and gives a takeover a lease of 30 seconds and the key lifetime afresh', async () => {
    const payment = await buildPayment();
    const work = countingWork();
    // Measured from created_at, set by the same statement as the lease: the claim's, or the takeover's.
    const held = async () =>
      (
        await payment.database.query<{ lease: number; hours: number }>(
          `SELECT extract(epoch FROM lease_expires_at - created_at)::int AS lease,
                  extract(epoch FROM expires_at - created_at)::int / 3600 AS hours FROM idempotency_keys`,
        )
      )[0];

    await payment.app.idempotency.run(request(), work);
    expect(await held()).toEqual({ lease: 30, hours: 24 });

    // A claim a crashed replica left a day ago: the retry that takes it over holds it from now on.
    await payment.database.query(
      `UPDATE idempotency_keys SET status = 'in_progress', response_status = NULL, response_body = NULL,
              created_at = now() - interval '1 day', lease_expires_at = now() - interval '1 day', expires_at = now() + interval '1 minute'`,
    );
    expect(await payment.app.idempotency.run(request(), work)).toEqual({ statusCode: 201, body: { run: 2 }, replayed: false });
    expect(await held()).toEqual({ lease: 30, hours: 24 });
  });

  it('lets a retry take over a key whose first attempt died before finishing', async () => {
    const payment = await buildPayment();
    const work = countingWork();
    await payment.app.idempotency.run(request(), work);
    // What a crashed replica leaves behind: a claim never completed, its lease run out.
    await payment.database.query(
      "UPDATE idempotency_keys SET status = 'in_progress', response_status = NULL, response_body = NULL, lease_expires_at = now() - interval '1 second'",
    );

    const retry = await payment.app.idempotency.run(request(), work);

    expect(retry).toEqual({ statusCode: 201, body: { run: 2 }, replayed: false });
    expect(await payment.database.query('SELECT status, response_status FROM idempotency_keys')).toEqual([
      { status: 'completed', response_status: 201 },
    ]);
  });

  it('does not let a different request take over the key of a dead attempt', async () => {
    const payment = await buildPayment();
    const work = countingWork();
    await payment.app.idempotency.run(request(), work);
    await payment.database.query(
      "UPDATE idempotency_keys SET status = 'in_progress', response_status = NULL, response_body = NULL, lease_expires_at = now() - interval '1 second'",
    );

    await expect(payment.app.idempotency.run(request({ input: { amount: 2 } }), work)).rejects.toMatchObject({
      code: 'PAYMENT_IDEMPOTENCY_KEY_REUSED',
    });
    expect(work.runs).toBe(1);
  });

  it('finishes a void whose process died for any request that finds it after its lease: voided, stored, never run', async () => {
    const payment = await buildPayment();
    const work = countingWork();
    // The claim of a void on a replica that died before it stored its answer.
    await payment.database.query(
      `INSERT INTO idempotency_keys (user_id, key, fingerprint, status, claim, lease_expires_at, expires_at)
       VALUES ('user-1', 'key-1', 'voided', 'in_progress', gen_random_uuid(), now() - interval '1 second', now() + interval '1 day')`,
    );

    const late = await payment.app.idempotency.run(request(), work);

    expect(late).toEqual({ statusCode: 409, body: expect.objectContaining({ code: 'PAYMENT_CHARGE_VOIDED' }), replayed: true });
    expect(work.runs).toBe(0);
    expect(await payment.database.query(`SELECT status, expires_at = 'infinity' AS forever FROM idempotency_keys`)).toEqual([
      { status: 'completed', forever: true },
    ]);
  });

  it('forgets a key after its lifetime: the key may then carry a new request', async () => {
    const payment = await buildPayment();
    const work = countingWork();
    await payment.app.idempotency.run(request(), work);
    const [row] = await payment.database.query<{ hours: number }>(
      'SELECT extract(epoch FROM expires_at - created_at)::int / 3600 AS hours FROM idempotency_keys',
    );
    expect(row!.hours).toBe(24);
    await payment.database.query("UPDATE idempotency_keys SET expires_at = now() - interval '1 second'");

    const reused = await payment.app.idempotency.run(request({ input: { amount: 2 } }), work);

    expect(reused).toEqual({ statusCode: 201, body: { run: 2 }, replayed: false });
  });

  it('keeps keys as long as IDEMPOTENCY_TTL_HOURS says', async () => {
    const payment = await buildPayment({ env: { IDEMPOTENCY_TTL_HOURS: '72' } });
    await payment.app.idempotency.run(request(), countingWork());

    const [row] = await payment.database.query<{ hours: number }>(
      'SELECT extract(epoch FROM expires_at - created_at)::int / 3600 AS hours FROM idempotency_keys',
    );

    expect(row!.hours).toBe(72);
  });

  it('purges expired keys and only those', async () => {
    const payment = await buildPayment();
    for (const key of ['old-1', 'old-2', 'fresh']) await payment.app.idempotency.run(request({ key }), countingWork());
    await payment.database.query("UPDATE idempotency_keys SET expires_at = now() - interval '1 minute' WHERE key LIKE 'old-%'");

    expect(await payment.app.idempotency.purgeExpired()).toBe(2);
    expect(await payment.database.query('SELECT key FROM idempotency_keys')).toEqual([{ key: 'fresh' }]);
    expect(await payment.app.idempotency.purgeExpired()).toBe(0);
  });

  it('purges every expired key in one call, however many batches of 1000 they fill', async () => {
    const payment = await buildPayment();
    await payment.database.query(
      `INSERT INTO idempotency_keys (user_id, key, fingerprint, status, claim, lease_expires_at, expires_at)
       SELECT 'user-1', 'old-' || n, 'print', 'in_progress', gen_random_uuid(), now(), now() - interval '1 minute'
         FROM generate_series(1, 2001) AS n`,
    );

    expect(await payment.app.idempotency.purgeExpired()).toBe(2001);
    expect(await payment.database.query('SELECT count(*)::int AS n FROM idempotency_keys')).toEqual([{ n: 0 }]);
  });

  it('purges expired keys on its own every 15 minutes', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const payment = await buildPayment();
      await payment.app.idempotency.run(request({ key: 'old' }), countingWork());
      await payment.database.query("UPDATE idempotency_keys SET expires_at = now() - interval '1 minute'");

      vi.advanceTimersByTime(15 * 60_000);

      await vi.waitFor(async () => expect(await payment.database.query('SELECT key FROM idempotency_keys')).toEqual([]));
      await vi.waitFor(() =>
        expect(payment.logs.lines()).toContainEqual(expect.objectContaining({ msg: 'expired idempotency keys purged', count: 1 })),
      );
    } finally {
      vi.useRealTimers();
    }
  });

  it('keeps the keys of each user apart', async () => {
    const payment = await buildPayment();
    const work = countingWork();

    const [alice, bob] = [randomUUID(), randomUUID()];

    const first = await payment.app.idempotency.run(request({ userId: alice }), work);
    const second = await payment.app.idempotency.run(request({ userId: bob }), work);
    // Each one's retry gets each one's own answer back.
    const bobAgain = await payment.app.idempotency.run(request({ userId: bob }), work);
    const aliceAgain = await payment.app.idempotency.run(request({ userId: alice }), work);

    expect([first.replayed, second.replayed]).toEqual([false, false]);
    expect(work.runs).toBe(2);
    expect(bobAgain).toEqual({ ...second, replayed: true });
    expect(aliceAgain).toEqual({ ...first, replayed: true });
  });
});

describe('canonicalJson', () => {
  it('sorts object keys at every depth and keeps arrays in order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: null } })).toBe('{"a":{"c":null,"d":[2,1]},"b":1}');
    expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }));
    expect(canonicalJson([{ b: 1, a: 2 }])).toBe('[{"a":2,"b":1}]');
  });
});
