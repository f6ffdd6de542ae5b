import type { Queryable } from '@myshop/db';
import type { StoredResponse } from '@myshop/server';
import type { FailureCode } from './cards.ts';
import { declineBody } from './errors.ts';
import type { KeyHistory } from './plugins/idempotency.ts';
import type { Charge, Refund, RefundEvent } from './schemas.ts';

interface ChargeRow {
  id: string;
  user_id: string;
  status: 'succeeded' | 'failed';
  amount: number;
  amount_refunded: number;
  currency: string;
  card_brand: string;
  card_last4: string;
  description: string | null;
  metadata: Record<string, string>;
  failure_code: string | null;
  created_at: Date;
}

interface RefundRow {
  id: string;
  charge_id: string;
  amount: number;
  created_at: Date;
}

/** The key a refund is made under, kept with it (refundKeyHistory). */
export interface RefundKey {
  /** Who asked (an operator): Idempotency-Keys are per user. */
  userId: string;
  key: string;
  fingerprint: string;
}

export interface NewCharge {
  id: string;
  userId: string;
  status: Charge['status'];
  amount: number;
  currency: string;
  card: { brand: string; last4: string };
  description: string | null;
  metadata: Record<string, string>;
  failureCode: string | null;
  /** The Idempotency-Key it is made under, and its request's fingerprint: kept with the charge. */
  idempotencyKey: string;
  requestFingerprint: string;
}

/** Where a page of charges starts: just after this one in newest-first order. */
export interface ChargePosition {
  createdAt: Date;
  id: string;
}

function toCharge(row: ChargeRow): Charge {
  return {
    id: row.id,
    status: row.status,
    amount: row.amount,
    amountRefunded: row.amount_refunded,
    currency: row.currency,
    card: { brand: row.card_brand, last4: row.card_last4 },
    description: row.description,
    metadata: row.metadata,
    failureCode: row.failure_code,
    createdAt: row.created_at.toISOString(),
  };
}

function toRefund(row: RefundRow): Refund {
  return { id: row.id, chargeId: row.charge_id, amount: row.amount, createdAt: row.created_at.toISOString() };
}

/** What `toCharge` makes of a row, in SQL: for an answer written by the statement that writes the row. */
const CHARGE_JSON = `json_build_object(
  'id', id, 'status', status, 'amount', amount, 'amountRefunded', amount_refunded, 'currency', currency,
  'card', json_build_object('brand', card_brand, 'last4', card_last4), 'description', description,
  'metadata', metadata, 'failureCode', failure_code,
  'createdAt', to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))`;

/**
 * The statement recording a new charge, for `idempotency.runStatement`: it answers 201 with the
 * charge as the API shows it, or `otherwise` (a decline's 402) as given.
 */
export function newChargeStatement(charge: NewCharge, otherwise?: { statusCode: number; body: unknown }) {
  const values: unknown[] = [
    charge.id,
    charge.userId,
    charge.status,
    charge.amount,
    charge.currency,
    charge.card.brand,
    charge.card.last4,
    charge.description,
    JSON.stringify(charge.metadata),
    charge.failureCode,
    charge.idempotencyKey,
    charge.requestFingerprint,
  ];
  const answer = otherwise
    ? `$${values.push(otherwise.statusCode)}::integer AS response_status, $${values.push(JSON.stringify(otherwise.body))}::json AS response_body`
    : `201 AS response_status, ${CHARGE_JSON} AS response_body`;
  return {
    text: `INSERT INTO charges (id, user_id, status, amount, currency, card_brand, card_last4, description, metadata, failure_code,
                                idempotency_key, request_fingerprint)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING ${answer}`,
    values,
  };
}

/**
 * Where rows that keep their key are found: `select` reads them by (user, key), and `answer`
 * makes of a row the answer its request got. A row without a fingerprint was written before
 * keys were kept, and answers nothing.
 */
function keptKeys<Row>(constraint: string, select: string, answer: (row: Row) => StoredResponse): KeyHistory {
  return {
    constraint,
    async find(db, userId, key) {
      const { rows } = await db.query<Row & { request_fingerprint: string | null }>(select, [userId, key]);
      const row = rows[0];
      if (!row?.request_fingerprint) return undefined;
      return { fingerprint: row.request_fingerprint, response: answer(row) };
    },
  };
}

/**
 * A charge keeps its Idempotency-Key: a retry or a void that comes after the key's stored answer
 * was forgotten gets the charge (201) or its decline (402) as it stands, never a second charge.
 */
export const chargeKeyHistory = keptKeys<ChargeRow>(
  'charges_user_idempotency_key',
  'SELECT * FROM charges WHERE user_id = $1 AND idempotency_key = $2',
  (row) =>
    row.status === 'succeeded'
      ? { statusCode: 201, body: toCharge(row) }
      : { statusCode: 402, body: declineBody(row.failure_code as FailureCode) },
);

/**
 * A refund keeps its Idempotency-Key, as a charge does: a retry that comes after the key's stored
 * answer was forgotten gets the refund it made (201), never a second refund.
 */
export const refundKeyHistory = keptKeys<RefundRow>(
  'refunds_requester_idempotency_key',
  'SELECT * FROM refunds WHERE requested_by = $1 AND idempotency_key = $2',
  (row) => ({ statusCode: 201, body: toRefund(row) }),
);

/** Charges and their refunds; a shopper's reads are scoped to the shopper, so nobody sees another's. */
export function chargesRepository(db: Queryable) {
  return {
    /** The user's own charge; with `anyUser` (an operator), anyone's. */
    async find(userId: string, id: string, { anyUser = false } = {}): Promise<Charge | undefined> {
      const { rows } = await db.query<ChargeRow>('SELECT * FROM charges WHERE id = $1 AND (user_id = $2 OR $3)', [id, userId, anyUser]);
      return rows[0] && toCharge(rows[0]);
    },

    /** Newest first; `limit + 1` rows are read so the caller knows whether another page exists. */
    async list(userId: string, limit: number, after?: ChargePosition): Promise<Charge[]> {
      const { rows } = after
        ? await db.query<ChargeRow>(
            `SELECT * FROM charges WHERE user_id = $1 AND (created_at, id) < ($2, $3)
             ORDER BY created_at DESC, id DESC LIMIT $4`,
            [userId, after.createdAt, after.id, limit],
          )
        : await db.query<ChargeRow>('SELECT * FROM charges WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2', [userId, limit]);
      return rows.map(toCharge);
    },

    /**
     * Any user's charge (refunds are an operator's), locked until the transaction ends:
     * concurrent refunds of one charge queue up here, so each sees what the previous one left.
     */
    async findForUpdate(id: string): Promise<Charge | undefined> {
      const { rows } = await db.query<ChargeRow>('SELECT * FROM charges WHERE id = $1 FOR UPDATE', [id]);
      return rows[0] && toCharge(rows[0]);
    },

    /** Records a refund and adds it to the charge; call inside the transaction holding the lock. */
    async refund(chargeId: string, amount: number, { userId, key, fingerprint }: RefundKey): Promise<Refund> {
      await db.query('UPDATE charges SET amount_refunded = amount_refunded + $2 WHERE id = $1', [chargeId, amount]);
      const { rows } = await db.query<RefundRow>(
        `INSERT INTO refunds (charge_id, amount, requested_by, idempotency_key, request_fingerprint)
         VALUES ($1, $2, $3, $4, $5) RETURNING *`,
        [chargeId, amount, userId, key, fingerprint],
      );
      return toRefund(rows[0]!);
    },
  };
}

/** Where the feed continues: after this refund, in (transaction, id) order. */
export interface FeedPosition {
  txid: string;
  id: string;
}

export const FEED_START: FeedPosition = { txid: '0', id: '00000000-0000-0000-0000-000000000000' };

/**
 * Refunds in the order of the transactions that recorded them, only those older than every
 * transaction still running: a refund committed later can never land behind a reader's cursor.
 */
export async function readRefundFeed(
  db: Queryable,
  after: FeedPosition,
  limit: number,
): Promise<Array<RefundEvent & { position: FeedPosition }>> {
  const { rows } = await db.query<RefundRow & { order_id: string | null; txid: string }>(
    `SELECT r.id, r.charge_id, r.amount, r.created_at, r.txid::text AS txid, c.metadata->>'orderId' AS order_id
       FROM refunds r JOIN charges c ON c.id = r.charge_id
      WHERE (r.txid, r.id) > ($1::xid8, $2::uuid) AND r.txid < pg_snapshot_xmin(pg_current_snapshot())
      ORDER BY r.txid, r.id
      LIMIT $3`,
    [after.txid, after.id, limit],
  );
  return rows.map((row) => ({ ...toRefund(row), orderId: row.order_id, position: { txid: row.txid, id: row.id } }));
}
