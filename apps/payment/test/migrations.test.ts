import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { runMigrations } from '@myshop/db';
import { createTestDatabase } from '@myshop/testing';
import { describe, expect, it, onTestFinished } from 'vitest';
import { migrationsDir } from '../src/app.ts';

/** A database migrated up to (not including) `first`, and a way to apply the rest. */
async function migratedUntil(first: string) {
  const database = await createTestDatabase();
  const dir = mkdtempSync(join(tmpdir(), 'payment-migrations-'));
  onTestFinished(async () => {
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  });
  const files = readdirSync(migrationsDir).sort();
  for (const file of files.filter((name) => name < first)) copyFileSync(join(migrationsDir, file), join(dir, file));
  await runMigrations({ url: database.url, dir });
  return {
    database,
    applyTheRest: async () => {
      for (const file of files.filter((name) => name >= first)) copyFileSync(join(migrationsDir, file), join(dir, file));
      return runMigrations({ url: database.url, dir });
    },
  };
}

describe('payment migrations', () => {
  it('give the refunds made before refunds kept their key the key they were made under, while it is remembered', async () => {
    const { database, applyTheRest } = await migratedUntil('0004');
    const chargeId = randomUUID();
    const [remembered, forgotten] = [randomUUID(), randomUUID()];
    await database.query(
      `INSERT INTO charges (id, user_id, status, amount, currency, card_brand, card_last4)
       VALUES ($1, 'shopper', 'succeeded', 1000, 'USD', 'visa', '4242')`,
      [chargeId],
    );
    await database.query('INSERT INTO refunds (id, charge_id, amount) VALUES ($1, $3, 100), ($2, $3, 200)', [
      remembered,
      forgotten,
      chargeId,
    ]);
    await database.query(
      `INSERT INTO idempotency_keys (user_id, key, fingerprint, status, claim, lease_expires_at, expires_at, response_status, response_body)
       VALUES ('operator', 'refund-1', 'print-1', 'completed', $1, now(), now() + interval '1 day', 201, $2::json)`,
      [randomUUID(), JSON.stringify({ id: remembered, chargeId, amount: 100 })],
    );

    expect(await applyTheRest()).toContain('0004_refunds_keep_their_key');

    expect(await database.query('SELECT id, requested_by, idempotency_key, request_fingerprint FROM refunds ORDER BY amount')).toEqual([
      { id: remembered, requested_by: 'operator', idempotency_key: 'refund-1', request_fingerprint: 'print-1' },
      { id: forgotten, requested_by: null, idempotency_key: null, request_fingerprint: null },
    ]);
  });

  it('keep the keys settled by a void that found nothing done for ever, and the others for their TTL', async () => {
    const { database, applyTheRest } = await migratedUntil('0005');
    const key = (name: string, status: number) =>
      database.query(
        `INSERT INTO idempotency_keys (user_id, key, fingerprint, status, claim, lease_expires_at, expires_at, response_status, response_body)
         VALUES ('cart-shopper', $1, 'voided', 'completed', $2, now(), now() + interval '1 day', $3, '{}'::json)`,
        [name, randomUUID(), status],
      );
    await key('voided-nothing-done', 409);
    await key('voided-found-its-charge', 201);

    expect(await applyTheRest()).toEqual(['0005_voided_keys_never_expire']);

    expect(await database.query(`SELECT key, expires_at = 'infinity' AS kept_for_ever FROM idempotency_keys ORDER BY key`)).toEqual([
      { key: 'voided-found-its-charge', kept_for_ever: false },
      { key: 'voided-nothing-done', kept_for_ever: true },
    ]);
  });
});

/** A database with every migration applied, and one succeeded charge of 1,000 in it. */
async function migratedWithCharge() {
  const { database } = await migratedUntil('9999'); // every migration there is
  const chargeId = randomUUID();
  await database.query(
    `INSERT INTO charges (id, user_id, status, amount, currency, card_brand, card_last4)
     VALUES ($1, 'shopper', 'succeeded', 1000, 'USD', 'visa', '4242')`,
    [chargeId],
  );
  return { database, chargeId };
}

describe('the payment schema, whatever the code does', () => {
  it.each([
    ['more than the charge', 1001],
    ['a negative amount', -1],
  ])('refuses a charge refunded by %s (charges_refund_within_amount)', async (_name, amountRefunded) => {
    const { database, chargeId } = await migratedWithCharge();
    const refunded = database.query('UPDATE charges SET amount_refunded = $2 WHERE id = $1', [chargeId, amountRefunded]);

    await expect(refunded).rejects.toMatchObject({ constraint: 'charges_refund_within_amount' });
    expect(await database.query('SELECT amount_refunded FROM charges')).toEqual([{ amount_refunded: '0' }]);
  });

  it('refuses a refund on a failed charge (charges_only_succeeded_refunded)', async () => {
    const { database, chargeId } = await migratedWithCharge();
    await database.query("UPDATE charges SET status = 'failed', failure_code = 'card_declined' WHERE id = $1", [chargeId]);

    await expect(database.query('UPDATE charges SET amount_refunded = 100 WHERE id = $1', [chargeId])).rejects.toMatchObject({
      constraint: 'charges_only_succeeded_refunded',
    });
    expect(await database.query('SELECT amount_refunded FROM charges')).toEqual([{ amount_refunded: '0' }]);
  });

  it('refuses a second refund under one operator’s Idempotency-Key (refunds_requester_idempotency_key)', async () => {
    const { database, chargeId } = await migratedWithCharge();
    const refund = (amount: number) =>
      database.query(
        `INSERT INTO refunds (charge_id, amount, requested_by, idempotency_key, request_fingerprint)
         VALUES ($1, $2, 'operator', 'refund-1', 'print-1')`,
        [chargeId, amount],
      );
    await refund(100);

    await expect(refund(100)).rejects.toMatchObject({ constraint: 'refunds_requester_idempotency_key' });
    expect(await database.query('SELECT amount FROM refunds')).toEqual([{ amount: '100' }]);
  });
});
