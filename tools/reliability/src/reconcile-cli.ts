/**
 * `npm run reconcile`: compares cart's orders with payment's charges and refunds, straight from
 * their databases, prints every difference and the money on both sides; exit 1 on any difference.
 *   npm run reconcile -- --cart <url> --payment <url>       (or CART_DATABASE_URL, PAYMENT_DATABASE_URL)
 *   npm run reconcile -- … --wait 30                         retry for up to 30 s while differences
 *                                                            remain (a refund not read by cart yet)
 * Against `npm start`, the URLs are the ones it prints as it starts.
 * Exit codes, as diff(1)'s: 0 the books agree, 1 they differ, 2 they could not be compared (a
 * mistyped command, a database out of reach), so a script never reads trouble as a difference.
 */
import { parseArgs } from 'node:util';
import { ledgerReport, readLedger, type Ledger } from './ledger.ts';

const USAGE = 'usage: reconcile --cart <cart database url> --payment <payment database url> [--wait <seconds>]\n';

function fail(message: string): never {
  process.stderr.write(message);
  process.exit(2);
}

let values: { cart?: string; payment?: string; wait?: string };
try {
  ({ values } = parseArgs({
    options: { cart: { type: 'string' }, payment: { type: 'string' }, wait: { type: 'string', default: '0' } },
  }));
} catch (error) {
  fail(`reconcile: ${(error as Error).message}\n${USAGE}`);
}
const cart = values.cart ?? process.env.CART_DATABASE_URL;
const payment = values.payment ?? process.env.PAYMENT_DATABASE_URL;
const waitSeconds = Number(values.wait);
if (!cart || !payment || !Number.isFinite(waitSeconds) || waitSeconds < 0) fail(USAGE);

/** The ledger, or exit 2 naming why it could not be read (the message of pg, no stack). */
async function read(): Promise<Ledger> {
  try {
    return await readLedger(cart!, payment!);
  } catch (error) {
    return fail(`reconcile: cannot read the books: ${(error as Error).message || String(error)}\n`);
  }
}

const deadline = Date.now() + waitSeconds * 1000;
let ledger: Ledger = await read();
while ((ledger.problems.length > 0 || ledger.inFlight > 0) && Date.now() < deadline) {
  await new Promise((resolve) => setTimeout(resolve, 500));
  ledger = await read();
}

process.stdout.write(ledgerReport(ledger));
process.exitCode = ledger.problems.length === 0 ? 0 : 1;
