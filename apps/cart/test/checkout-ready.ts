import { startFakePayment } from './fake-payment.ts';
import { cartHolding, SOCKS, TSHIRT } from './helpers.ts';

/** The cart the checkout tests pay for: two pairs of socks and a T-shirt. */
export const READY_LINES = [
  { productId: SOCKS.id, quantity: 2 },
  { productId: TSHIRT.id, quantity: 1 },
];
export const READY_TOTAL = 2 * SOCKS.price + TSHIRT.price;

/** The cart service against the stand-in payment service, with a signed-in user whose cart holds READY_LINES. */
export async function cartReadyToCheckOut(env: Record<string, string> = {}) {
  const payment = await startFakePayment();
  const cart = await cartHolding(READY_LINES, { env: { PAYMENT_URL: payment.url, ...env } });
  return { ...cart, payment };
}
