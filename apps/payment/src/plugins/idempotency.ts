import { createHmac, randomUUID } from 'node:crypto';
import { isUniqueViolation, type Queryable } from '@myshop/db';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { withRetryAfter } from '@myshop/errors';
import type { StoredResponse } from '@myshop/server';
import { IdempotencyInProgressError, IdempotencyKeyReusedError } from '../errors.ts';

export interface IdempotentRequest {
  userId: string;
  /** The client's Idempotency-Key. */
  key: string;
  /** What is done (`POST /payment/charges`, with the charge id for a refund) … */
  operation: string;
  /** … and with what validated input: together, what makes two requests the same. */
  input: unknown;
}

/**
 * Work that is one data-modifying statement answering for itself: its RETURNING gives exactly one
 * row, `response_status` (integer) and `response_body` (json), the answer to store and send.
 */
export interface StatementWork {
  text: string;
  values: unknown[];
}

/** What a key did, read back from what its work wrote: the request's fingerprint and the answer now. */
export interface KeyRecord {
  fingerprint: string;
  response: StoredResponse;
}

/**
 * Where work that must never happen twice under one key (a charge) keeps its key, as long as what
 * it wrote: the key's stored answer is forgotten after its TTL, this is not.
 */
export interface KeyHistory {
  /** The unique index that refuses a second write under one key, whatever the TTL. */
  constraint: string;
  /** What the key did, if its work wrote anything. */
  find(db: Queryable, userId: string, key: string): Promise<KeyRecord | undefined>;
}

/**
 * What `run` does once per key, in the transaction that stores its answer; given the request's
 * fingerprint, for work that keeps its key on what it writes (KeyHistory).
 */
export type IdempotentWork = (tx: Queryable, fingerprint: string) => Promise<StoredResponse>;

export interface RunOptions {
  /**
   * Where `work` keeps its key (a refund its own): a key whose stored answer was forgotten is
   * looked up there before the work runs again, and answered from it (a replay, or a reuse).
   */
  history?: KeyHistory;
}

export interface IdempotencyOptions {
  ttlHours: number;
  fingerprintKey: string;
  history?: KeyHistory;
  /**
   * What a voided key answers: stored by `void`, and by any request that finds a void whose
   * process died and finishes it for it.
   */
  voided: StoredResponse;
}

declare module 'fastify' {
  interface FastifyInstance {
    idempotency: {
      /**
       * Runs `work` once per (user, key): its transaction also stores the response, so a charge
       * and its stored answer are written together or not at all. A retry with the same input
       * gets that response back (`replayed`); different input is PAYMENT_IDEMPOTENCY_KEY_REUSED;
       * a retry while the first is still running is PAYMENT_IDEMPOTENCY_IN_PROGRESS. When `work`
       * throws, nothing is stored and the key is free again.
       */
      run(request: IdempotentRequest, work: IdempotentWork, options?: RunOptions): Promise<StoredResponse & { replayed: boolean }>;
      /**
       * `run` for work that is one statement whose outcome is decided before it is sent: the work,
       * the key and the stored answer go in a single statement, one round trip, all or nothing.
       * The first request with a key needs nothing else; a key already there (a retry, a reuse,
       * an attempt in progress, an expired or abandoned key) is settled exactly as `run` does.
       * A key whose stored answer was forgotten but whose work is in the history (the statement
       * breaks its unique index) is answered from the history: a replay, or a reuse. `statement`
       * is given the request's fingerprint, for work that keeps it with what it writes.
       */
      runStatement(
        request: IdempotentRequest,
        statement: (fingerprint: string) => StatementWork,
      ): Promise<StoredResponse & { replayed: boolean }>;
      /**
       * Settles what the request with this key did, without knowing the request: the answer it
       * got if it finished (from the history once the stored answer is forgotten), or else the
       * options' `voided` is stored as its answer, so that a late or replayed request with the key
       * can never act (it gets `voided` too). While it is still running,
       * PAYMENT_IDEMPOTENCY_IN_PROGRESS; a key whose answer is not the history's work (a refund
       * under it), PAYMENT_IDEMPOTENCY_KEY_REUSED. For a caller that lost track of an attempt (its process
       * died) and must know whether it acted before it tries anything else.
       */
      void(request: Pick<IdempotentRequest, 'userId' | 'key'>): Promise<StoredResponse & { replayed: boolean }>;
      /** Forgets keys past their time; returns how many. */
      purgeExpired(): Promise<number>;
    };
  }
}

/**
 * How long a claim protects a running request. A process that dies mid-request never completes
 * its claim; after this, a retry may take the key over. Far longer than any request may run
 * (statement timeout 5 s), and a late finisher cannot commit once its claim is lost.
 */
const LEASE_SECONDS = 30;
const PURGE_INTERVAL_MS = 15 * 60_000;
const PURGE_BATCH = 1000;
/** Claiming races only with purges and takeovers; a handful of rounds always settles it. */
const MAX_CLAIM_ROUNDS = 5;

/** The first request with the key is still running: the client should retry in a moment. */
function inProgress() {
  return withRetryAfter(new IdempotencyInProgressError(), 1);
}

interface KeyRow {
  fingerprint: string;
  status: 'in_progress' | 'completed';
  claim: string;
  response_status: number | null;
  response_body: unknown;
  /** Past its TTL: forgotten, even if the purge has not removed it yet. */
  expired: boolean;
  /** In progress with its lease run out: its request died. */
  abandoned: boolean;
}

type Claim = { claimed: true; claim: string } | { claimed: false; row: KeyRow };

interface AnswerRow {
  response_status: number;
  response_body: unknown;
}

/** The fingerprint of a key settled by `void`: no request has it, and any request gets its answer. */
const VOIDED = 'voided';

/** Idempotency-Keys kept in the database, so every replica sharing it agrees on them. */
async function idempotency(app: FastifyInstance, options: IdempotencyOptions): Promise<void> {
  const { db } = app;

  const fingerprint = ({ operation, input }: IdempotentRequest): string =>
    createHmac('sha256', options.fingerprintKey)
      .update(canonicalJson([operation, input]))
      .digest('base64url');

  /** The key's row as it stands, with whether it is forgotten (expired) or its attempt died (abandoned). */
  async function readKey(request: Pick<IdempotentRequest, 'userId' | 'key'>): Promise<KeyRow | undefined> {
    const { rows } = await db.query<KeyRow>(
      `SELECT fingerprint, status, claim, response_status, response_body,
              expires_at <= now() AS expired,
              (status = 'in_progress' AND lease_expires_at <= now()) AS abandoned
         FROM idempotency_keys WHERE user_id = $1 AND key = $2`,
      [request.userId, request.key],
    );
    return rows[0];
  }

  /**
   * Claims the key for one attempt, or answers the row that holds it. `takeOver` says which
   * existing rows this attempt may replace: a forgotten (expired) one always; an abandoned one
   * (its attempt died) only by a retry of the same request, or by `void`.
   */
  async function tryClaim(
    request: Pick<IdempotentRequest, 'userId' | 'key'>,
    print: string,
    takeOver: (row: KeyRow) => boolean,
    { known = false } = {},
  ): Promise<Claim | undefined> {
    const claim = randomUUID();
    const values = [request.userId, request.key, print, claim, LEASE_SECONDS, options.ttlHours];
    // The primary key decides: of all requests inserting one key at once, exactly one succeeds.
    // `known`: the caller just found the key taken; straight to reading who holds it.
    if (!known) {
      const inserted = await db.query(
        `INSERT INTO idempotency_keys (user_id, key, fingerprint, status, claim, lease_expires_at, expires_at)
         VALUES ($1, $2, $3, 'in_progress', $4, now() + make_interval(secs => $5), now() + make_interval(hours => $6))
         ON CONFLICT (user_id, key) DO NOTHING`,
        values,
      );
      if (inserted.rowCount === 1) return { claimed: true, claim };
    }

    const row = await readKey(request);
    if (!row) return undefined; // released or purged in between: claim again
    if (!takeOver(row)) return { claimed: false, row };

    // A forgotten key, or the same request whose first attempt died: take it over, unless
    // someone else just did (the claim we saw has changed) or its owner finished after all.
    const takenOver = await db.query(
      `UPDATE idempotency_keys
          SET fingerprint = $3, status = 'in_progress', claim = $4, response_status = NULL, response_body = NULL,
              lease_expires_at = now() + make_interval(secs => $5), expires_at = now() + make_interval(hours => $6),
              created_at = now()
        WHERE user_id = $1 AND key = $2 AND claim = $7
          AND (expires_at <= now() OR (status = 'in_progress' AND lease_expires_at <= now()))`,
      [...values, row.claim],
    );
    return takenOver.rowCount === 1 ? { claimed: true, claim } : undefined;
  }

  async function execute(
    request: Pick<IdempotentRequest, 'userId' | 'key'>,
    claim: string,
    work: (tx: Queryable) => Promise<StoredResponse>,
  ) {
    const keyValues = [request.userId, request.key, claim];
    try {
      return await db.transaction(async (tx) => {
        // Hold the key for the whole transaction, and make sure it is still ours: a claim that
        // outlived its lease may have been taken over, and then this attempt must not commit.
        const owned = await tx.query(
          `SELECT 1 FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND claim = $3 AND status = 'in_progress' FOR UPDATE`,
          keyValues,
        );
        if (owned.rowCount !== 1) throw inProgress();
        const response = await work(tx);
        await tx.query(
          `UPDATE idempotency_keys SET status = 'completed', response_status = $4, response_body = $5::json
            WHERE user_id = $1 AND key = $2 AND claim = $3`,
          [...keyValues, response.statusCode, JSON.stringify(response.body)],
        );
        return response;
      });
    } catch (error) {
      // Rolled back, nothing written: free the key so a retry or a corrected request may use it.
      // Should this fail too (database gone), the lease frees it a little later.
      await db
        .query(`DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND claim = $3 AND status = 'in_progress'`, keyValues)
        .catch((releaseError: unknown) => app.log.warn({ err: releaseError }, 'could not release an idempotency key'));
      throw error;
    }
  }

  const stored = (row: KeyRow) => ({ statusCode: row.response_status!, body: row.response_body, replayed: true });

  async function run(request: IdempotentRequest, work: IdempotentWork, { known = false, history }: RunOptions & { known?: boolean } = {}) {
    const print = fingerprint(request);
    const takeOver = (row: KeyRow) => row.expired || (row.abandoned && row.fingerprint === print);
    for (let round = 0; round < MAX_CLAIM_ROUNDS; round += 1) {
      const outcome = await tryClaim(request, print, takeOver, { known: known && round === 0 });
      if (!outcome) continue;
      if (outcome.claimed) {
        // The key is new here, or was forgotten: if its work was done before, it is in the history.
        let acted = false;
        const response = await execute(request, outcome.claim, async (tx) => {
          const record = await history?.find(tx, request.userId, request.key);
          if (!record) return work(tx, print);
          if (record.fingerprint !== print) throw new IdempotencyKeyReusedError();
          acted = true;
          return record.response;
        });
        return { ...response, replayed: acted };
      }
      const { row } = outcome;
      // A voided key answers every request alike: whatever it was, it will not act now. While
      // the void runs, that answer is not there yet: wait, as for any key in progress. A void
      // whose process died is finished here on its behalf (only one takeover of its claim wins,
      // the others wait for it): this request must not act, nor wait for an answer never coming.
      if (row.fingerprint === VOIDED) {
        if (row.status === 'completed') return stored(row);
        if (row.abandoned) return { ...(await voidKey(request)), replayed: true };
        throw inProgress();
      }
      if (row.fingerprint !== print) throw new IdempotencyKeyReusedError();
      if (row.status === 'completed') return stored(row);
      throw inProgress();
    }
    throw inProgress();
  }

  /** The work broke the history's unique index: the key acted before, and its stored answer is gone. */
  const actedBefore = (error: unknown) => options.history !== undefined && isUniqueViolation(error, options.history.constraint);

  async function answerFromHistory(request: IdempotentRequest, print: string) {
    // The work's unique index breaks before the key's own does, so this is every replay's path:
    // while the key keeps its answer, that answer is replayed exactly (a refund since then does
    // not change it); only a forgotten one is answered with the work as it stands now.
    const key = await readKey(request);
    if (key?.fingerprint === print && key.status === 'completed' && !key.expired) return stored(key);
    const record = await options.history?.find(db, request.userId, request.key);
    // Not there after all: what broke the index was rolled back meanwhile; the client may retry.
    if (!record) throw inProgress();
    if (record.fingerprint !== print) throw new IdempotencyKeyReusedError();
    return { ...record.response, replayed: true };
  }

  async function runStatement(request: IdempotentRequest, statement: (fingerprint: string) => StatementWork) {
    const print = fingerprint(request);
    const work = statement(print);
    const at = (index: number) => `$${work.values.length + index}`;
    try {
      // A plain INSERT of the completed key, no ON CONFLICT: should the key exist (or be inserted
      // by a concurrent request that commits first), the unique violation fails the whole
      // statement, and the work's writes are undone with it. So the work is never done twice, and
      // never done without its stored answer, not even if the process dies right after sending.
      const { rows } = await db.query<AnswerRow>(
        `WITH work AS (${work.text})
         INSERT INTO idempotency_keys
                (user_id, key, fingerprint, status, claim, lease_expires_at, expires_at, response_status, response_body)
         SELECT ${at(1)}::text, ${at(2)}::text, ${at(3)}::text, 'completed', ${at(4)}::uuid, now(),
                now() + make_interval(hours => ${at(5)}::integer), response_status, response_body
           FROM work
         RETURNING response_status, response_body`,
        [...work.values, request.userId, request.key, print, randomUUID(), options.ttlHours],
      );
      return { ...answerOf(rows), replayed: false };
    } catch (error) {
      if (actedBefore(error)) return answerFromHistory(request, print);
      if (!isUniqueViolation(error, 'idempotency_keys_pkey')) throw error;
    }
    // The key is taken: replay, refuse, or (an expired or abandoned key) take it over and do the
    // same work inside `run`'s transaction.
    try {
      return await run(request, async (tx) => answerOf((await tx.query<AnswerRow>(work.text, work.values)).rows), { known: true });
    } catch (error) {
      if (actedBefore(error)) return answerFromHistory(request, print);
      throw error;
    }
  }

  async function voidKey(request: Pick<IdempotentRequest, 'userId' | 'key'>) {
    // An attempt that died leaves its row in progress until its lease ends: then void wins it.
    const takeOver = (row: KeyRow) => row.expired || row.abandoned;
    for (let round = 0; round < MAX_CLAIM_ROUNDS; round += 1) {
      const outcome = await tryClaim(request, VOIDED, takeOver);
      if (!outcome) continue;
      if (outcome.claimed) {
        // A forgotten key may have acted: then its answer is stored again, and nothing is voided.
        let acted = false;
        const response = await execute(request, outcome.claim, async (tx) => {
          const record = await options.history?.find(tx, request.userId, request.key);
          acted = record !== undefined;
          if (record) return record.response;
          // Nothing acted under the key, and its answer is all that says so (no charge keeps the
          // key for the history to find): it never expires, or a late charge with it would charge.
          await tx.query(`UPDATE idempotency_keys SET expires_at = 'infinity' WHERE user_id = $1 AND key = $2 AND claim = $3`, [
            request.userId,
            request.key,
            outcome.claim,
          ]);
          return options.voided;
        });
        return { ...response, replayed: acted };
      }
      const { row } = outcome;
      if (row.status !== 'completed') throw inProgress();
      // The key answered another kind of request (one user may both shop and refund, under one
      // key space): that answer is not this work's to replay, nor is the key free to void.
      if (row.fingerprint !== VOIDED && options.history && !(await options.history.find(db, request.userId, request.key))) {
        throw new IdempotencyKeyReusedError();
      }
      return stored(row);
    }
    throw inProgress();
  }

  async function purgeExpired(): Promise<number> {
    let purged = 0;
    for (;;) {
      // In batches, skipping rows another replica's purge (or a takeover) holds right now.
      const { rowCount } = await db.query(
        `DELETE FROM idempotency_keys WHERE (user_id, key) IN (
           SELECT user_id, key FROM idempotency_keys WHERE expires_at <= now() LIMIT $1 FOR UPDATE SKIP LOCKED)`,
        [PURGE_BATCH],
      );
      purged += rowCount ?? 0;
      if ((rowCount ?? 0) < PURGE_BATCH) return purged;
    }
  }

  app.decorate('idempotency', {
    run: (request, work, runOptions) => run(request, work, { history: runOptions?.history }),
    runStatement,
    void: voidKey,
    purgeExpired,
  });

  // Expired keys are ignored on read anyway; the purge only keeps the table small.
  let timer: NodeJS.Timeout | undefined;
  let purging: Promise<unknown> = Promise.resolve();
  app.addHook('onReady', async () => {
    timer = setInterval(() => {
      purging = purgeExpired().then(
        (count) => count > 0 && app.log.info({ count }, 'expired idempotency keys purged'),
        (error: unknown) => app.log.warn({ err: error }, 'idempotency key purge failed'),
      );
    }, PURGE_INTERVAL_MS).unref();
  });
  app.addHook('preClose', async () => {
    clearInterval(timer);
    await purging;
  });
}

/** The one answer a statement's work returned. */
function answerOf(rows: AnswerRow[]): StoredResponse {
  if (rows.length !== 1) throw new Error(`idempotent work must answer with exactly one row, not ${rows.length}`);
  return { statusCode: rows[0]!.response_status, body: rows[0]!.response_body };
}

/** JSON with object keys sorted, so `{a, b}` and `{b, a}` are the same request. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    item && typeof item === 'object' && !Array.isArray(item)
      ? Object.fromEntries(Object.entries(item).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : item,
  );
}

export const idempotencyPlugin = fp(idempotency, { name: 'idempotency', fastify: '5.x', dependencies: ['@myshop/db'] });
