/**
 * `npm run reconcile`: compares cart's orders with payment's charges and refunds, straight from
 * their databases, prints every difference and the money on both sides; exit 1 on any difference.
 *   npm run reconcile -- --cart <url> --payment <url>       (or CART_DATABASE_URL, PAYMENT_DATABASE_URL)
 *   npm run reconcile -- … --wait 30                         retry for up to 30 s while differences
 *                                                            remain (a refund not read by cart yet)
 * Against `npm start`, the URLs are the ones it prints as it starts.
 */
import { parseArgs } from 'node:util';
import { ledgerReport, readLedger, type Ledger } from './ledger.ts';

const { values } = parseArgs({
  options: { cart: { type: 'string' }, payment: { type: 'string' }, wait: { type: 'string', default: '0' } },
});
const cart = values.cart ?? process.env.CART_DATABASE_URL;
const payment = values.payment ?? process.env.PAYMENT_DATABASE_URL;
const waitSeconds = Number(values.wait);
if (!cart || !payment || !Number.isFinite(waitSeconds) || waitSeconds < 0) {
  process.stderr.write('usage: reconcile --cart <cart database url> --payment <payment database url> [--wait <seconds>]\n');
  process.exit(2);
}

const deadline = Date.now() + waitSeconds * 1000;
let ledger: Ledger = await readLedger(cart, payment);
while ((ledger.problems.length > 0 || ledger.inFlight > 0) && Date.now() < deadline) {
  await new Promise((resolve) => setTimeout(resolve, 500));
  ledger = await readLedger(cart, payment);
}

process.stdout.write(ledgerReport(ledger));
process.exitCode = ledger.problems.length === 0 ? 0 : 1;
