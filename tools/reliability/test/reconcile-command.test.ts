import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '@myshop/testing';
import { describe, expect, it, onTestFinished } from 'vitest';
import { runReconcileCommand } from '../src/reconcile-command.ts';

/** The columns of cart's and payment's tables that reconciliation reads, filled by the test. */
async function books(): Promise<{ cart: TestDatabase; payment: TestDatabase }> {
  const [cart, payment] = await Promise.all([createTestDatabase(), createTestDatabase()]);
  onTestFinished(async () => {
    await cart.drop();
    await payment.drop();
  });
  await cart.query(
    `CREATE TABLE orders (id text PRIMARY KEY, status text, amount bigint, amount_refunded bigint, charge_id text, attempt_expires_at timestamptz,
                         user_id text DEFAULT 'u1', currency text DEFAULT 'USD')`,
  );
  await cart.query(`CREATE TABLE order_items (order_id text, line_total bigint)`);
  await payment.query(
    `CREATE TABLE charges (id text PRIMARY KEY, status text, amount bigint, amount_refunded bigint, metadata jsonb,
                         user_id text DEFAULT 'u1', currency text DEFAULT 'USD')`,
  );
  await payment.query(`CREATE TABLE refunds (charge_id text, amount bigint)`);
  return { cart, payment };
}

describe('npm run reconcile', () => {
  it('exits 0 and says so when orders, charges and refunds agree, money included', async () => {
    const { cart, payment } = await books();
    await cart.query(`INSERT INTO orders VALUES ('o1', 'partially_refunded', 500, 200, 'c1', NULL)`);
    await cart.query(`INSERT INTO order_items VALUES ('o1', 500)`);
    await payment.query(`INSERT INTO charges VALUES ('c1', 'succeeded', 500, 200, '{"orderId":"o1"}')`);
    await payment.query(`INSERT INTO refunds VALUES ('c1', 200)`);

    const run = await runReconcileCommand(cart.url, payment.url);

    expect(run.code).toBe(0);
    expect(run.output).toContain('money (minor units): captured 500 − refunded 200 = 300; paid orders keep 300');
    expect(run.output).toContain('no differences');
  });

  it('names the unfinished pending orders without counting them as differences', async () => {
    const { cart, payment } = await books();
    await cart.query(
      `INSERT INTO orders VALUES ('o1', 'pending', 500, 0, NULL, NULL), ('o2', 'pending', 700, 0, NULL, now() + interval '1 minute')`,
    );
    await cart.query(`INSERT INTO order_items VALUES ('o1', 500), ('o2', 700)`);

    const run = await runReconcileCommand(cart.url, payment.url);

    expect(run.code).toBe(0);
    expect(run.output).toContain('2 pending (1 being paid now)');
    expect(run.output).toMatch(/^unfinished \(pending, nothing charged, no attempt running; [^)]*\): o1$/m);
    expect(run.output).toContain('no differences');
  });

  it('exits 1 and prints every difference: a refund the order does not show, a charge of no order', async () => {
    const { cart, payment } = await books();
    await cart.query(`INSERT INTO orders VALUES ('o1', 'paid', 500, 0, 'c1', NULL)`);
    await cart.query(`INSERT INTO order_items VALUES ('o1', 500)`);
    await payment.query(`INSERT INTO charges VALUES ('c1', 'succeeded', 500, 100, '{"orderId":"o1"}'), ('c2', 'succeeded', 300, 0, '{}')`);
    await payment.query(`INSERT INTO refunds VALUES ('c1', 100)`);

    const run = await runReconcileCommand(cart.url, payment.url);

    expect(run.code).toBe(1);
    expect(run.output).toContain('order o1 shows 0 refunded, its charge 100');
    expect(run.output).toContain('charge c2 names no order');
    expect(run.output).toContain('captured 800 − refunded 100 = 700, but the paid orders keep 500');
  });

  it('exits 1 for a paid order whose charge has its amount but in another currency, or on another shopper', async () => {
    const { cart, payment } = await books();
    await cart.query(`INSERT INTO orders VALUES ('o1', 'paid', 500, 0, 'c1', NULL), ('o2', 'paid', 700, 0, 'c2', NULL)`);
    await cart.query(`INSERT INTO order_items VALUES ('o1', 500), ('o2', 700)`);
    await payment.query(
      `INSERT INTO charges VALUES ('c1', 'succeeded', 500, 0, '{"orderId":"o1"}', 'u1', 'JPY'),
                                  ('c2', 'succeeded', 700, 0, '{"orderId":"o2"}', 'u2', 'USD')`,
    );

    const run = await runReconcileCommand(cart.url, payment.url);

    expect(run.code).toBe(1);
    expect(run.output).toContain('order o1 is for 500 USD but was charged 500 JPY');
    expect(run.output).toContain("order o2 is shopper u1's but was charged to shopper u2");
  });

  it('exits 2 with its usage when a database is not named', async () => {
    const run = await runReconcileCommand('', '');
    expect(run.code).toBe(2);
    expect(run.output).toContain('usage: reconcile --cart');
  });

  it('exits 2 with its usage for an option it does not know, never 1 (the books differ)', async () => {
    const run = await reconcileWith(['--help']);
    expect(run.code).toBe(2);
    expect(run.output).toContain('usage: reconcile --cart');
    expect(run.output).not.toContain('    at ');
  });

  it('exits 2, saying it could not read the books, when a database cannot be reached: nothing was compared', async () => {
    const { cart } = await books();
    const unreachable = 'postgres://postgres@127.0.0.1:1/payment';
    const run = await runReconcileCommand(cart.url, unreachable);
    expect(run.code).toBe(2);
    expect(run.output).toMatch(/^reconcile: cannot read the books: .+/m);
    expect(run.output).not.toContain('    at ');
    expect(run.output).not.toContain('no differences');
  });
});

/** The command run with `args` as they are, as an operator may mistype them. */
function reconcileWith(args: string[]): Promise<{ code: number; output: string }> {
  const entry = join(import.meta.dirname, '../src/reconcile-cli.ts');
  return new Promise((resolve) => {
    execFile(process.execPath, ['--conditions=@myshop/source', entry, ...args], { timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}` }),
    );
  });
}
