import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { GatewayClient, startStack, type Stack, type StackOptions } from '@myshop/devstack';
import { formatCount, type Figure } from './figures.ts';
import { readLedger, type Ledger } from './ledger.ts';
import { MixedLoad, type CheckoutRecord, type LoadSummary } from './mixed-load.ts';
import { createShoppers, LOAD_TEST_USER_LIMITS, readCatalogue } from './shoppers.ts';

/** The repository root, from tools/reliability/src. */
export const repositoryRoot = resolve(import.meta.dirname, '../../..');

/** What a check gives back: its rows of the table, and `Details`, the named shape of what it measured. */
export interface CheckResult<Details> {
  figures: Figure[];
  /** Everything measured, for the JSON report and for tests to assert on. */
  details: Details;
}

/** What every check under load measured: the load, the books afterwards, and the replicas' last log lines when something failed. */
export interface LoadDetails {
  summary: LoadSummary;
  ledger: Ledger;
  /** Empty unless something failed, when they may say why. */
  recentLines: string[];
}

export interface ChaosStack {
  stack: Stack;
  /** Where the stack keeps its databases and development secrets. */
  dataDir: string;
  client: GatewayClient;
  /** The replicas' last log lines, for a failure's explanation. */
  recentLines(count?: number): string[];
  close(): Promise<void>;
}

export type ChaosStackOptions = Partial<Omit<StackOptions, 'printLine'>> & { log?: (message: string) => void };

/**
 * `npm start`'s stack in a throw-away data directory, its gateway on a free port, with attempt
 * limits fit for a load generator, and a client for the gateway.
 */
export async function startChaosStack(options: ChaosStackOptions = {}): Promise<ChaosStack> {
  const dataDir = mkdtempSync(join(tmpdir(), 'myshop-chaos-'));
  // As root, each embedded PostgreSQL runs as its own user and must get through.
  chmodSync(dataDir, 0o755);
  const lines: string[] = [];
  const keep = 5000;
  let stack: Stack;
  try {
    stack = await startStack({
      root: repositoryRoot,
      gatewayPort: 0,
      dataDir,
      ...options,
      env: { LOG_LEVEL: 'warn', ...LOAD_TEST_USER_LIMITS, ...options.env },
      printLine: (replica, line) => {
        lines.push(`${replica} ${line}`);
        if (lines.length > keep * 2) lines.splice(0, lines.length - keep);
      },
    });
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  const client = new GatewayClient(stack.gatewayUrl);
  return {
    stack,
    dataDir,
    client,
    recentLines: (count = 40) => lines.slice(-count),
    async close() {
      await client.close();
      await stack.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Runs `work` on the stack the caller lends (several checks, one cluster: a series of incidents),
 * or on a stack of its own, started from `start` and stopped afterwards.
 */
export async function onStack<T>(
  borrowed: ChaosStack | undefined,
  start: ChaosStackOptions,
  work: (chaos: ChaosStack) => Promise<T>,
): Promise<T> {
  const chaos = borrowed ?? (await startChaosStack(start));
  try {
    return await work(chaos);
  } finally {
    if (!borrowed) await chaos.close();
  }
}

/**
 * The start of every check under load: the books as they stand (what the check adds is measured
 * against them), shoppers signed up, and their mixed load running through the gateway.
 */
export async function startLoad(
  chaos: ChaosStack,
  options: { shoppers: number; ratePerSecond: number; timeoutMs?: number },
): Promise<{ before: Ledger; load: MixedLoad }> {
  const { client } = chaos;
  const before = await readStackLedger(chaos);
  const shoppers = await createShoppers(client, options.shoppers);
  const products = await readCatalogue(client);
  const load = new MixedLoad({
    client,
    shoppers,
    products,
    ratePerSecond: options.ratePerSecond,
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  });
  load.start();
  return { before, load };
}

/** Cart's orders against payment's charges, read from the stack's databases. */
export function readStackLedger(chaos: ChaosStack): Promise<Ledger> {
  const { services } = chaos.stack;
  return readLedger(services.get('cart')!.databaseUrl, services.get('payment')!.databaseUrl);
}

/**
 * "Checkouts completed = charges created, no duplicates": what the shoppers were told was paid
 * against the orders and charges this check added (`before` was read as it began), and the
 * books as a whole (nothing half-written, nothing charged twice, ever).
 */
export function booksFigure(
  check: string,
  load: string,
  checkouts: CheckoutRecord[],
  summary: LoadSummary,
  before: Ledger,
  after: Ledger,
): Figure {
  const paid = checkouts.filter((record) => record.outcome === 'paid');
  const distinctOrders = new Set(paid.map((record) => record.orderId)).size;
  const paidOrders = after.orders.paid - before.orders.paid;
  const charges = after.charges.succeeded - before.charges.succeeded;
  const open = summary.checkouts.unsettled + summary.checkouts.abandoned;
  return {
    check,
    load,
    figure: `${formatCount(paid.length)} paid = ${formatCount(paidOrders)} paid orders = ${formatCount(charges)} charges; ${after.duplicates} charged twice, ${after.problems.length} half-written${open > 0 ? `, ${open} never settled` : ''}`,
    target: 'equal, 0 charged twice, 0 half-written',
    pass:
      distinctOrders === paid.length &&
      paid.length === paidOrders &&
      paidOrders === charges &&
      after.duplicates === 0 &&
      after.problems.length === 0 &&
      open === 0,
  };
}
