/**
 * `npm run reconcile`: compares cart's orders with payment's charges and refunds, straight from
 * their databases, prints every difference and the money on both sides; exit 1 on any difference.
 *   npm run reconcile -- --cart <url> --payment <url>       (or CART_DATABASE_URL, PAYMENT_DATABASE_URL)
 *   npm run reconcile -- … --wait 30                         retry for up to 30 s while differences
 *                                                            remain (a refund not read by cart yet)
 * Against `npm start`, the URLs are the ones it prints as it starts.
 */
import { parseArgs } from 'node:util';
import { readLedger, type Ledger } from './ledger.ts';

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

const { orders, charges, money } = ledger;
process.stdout.write(
  [
    `orders: ${orders.paid} paid, ${orders.partially_refunded} partially refunded, ${orders.refunded} refunded, ${orders.failed} failed, ${orders.pending} pending (${ledger.inFlight} being paid now)`,
    ...(ledger.unfinished.length > 0
      ? [
          `unfinished (pending, nothing charged, no attempt running; the shopper's next checkout settles it): ${ledger.unfinished.join(', ')}`,
        ]
      : []),
    `charges: ${charges.succeeded} succeeded, ${charges.failed} failed`,
    `money (minor units): captured ${money.captured} − refunded ${money.refunded} = ${money.kept}; paid orders keep ${money.keptByOrders}`,
    ledger.problems.length === 0 ? 'no differences' : `${ledger.problems.length} difference(s):`,
    ...ledger.problems.map((problem) => `  ${problem}`),
  ].join('\n') + '\n',
);
process.exitCode = ledger.problems.length === 0 ? 0 : 1;
