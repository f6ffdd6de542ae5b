import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { startFakePayment } from '../fake-payment.ts';
import { buildCart, card, checkout, DECLINED_CARD, fillCart, SOCKS, UNREACHABLE_URL } from '../helpers.ts';

describe('checkout metrics', () => {
  it('counts checkouts by result and times the calls to payment by outcome', async () => {
    const payment = await startFakePayment();
    const cart = await buildCart({ env: { PAYMENT_URL: payment.url } });
    const before = await cart.app.metrics.registry.metrics();
    expect(before).toContain('myshop_cart_checkouts_total{result="paid",service="cart"} 0');

    const alice = await cart.signIn();
    await fillCart(cart.app, alice, [{ productId: SOCKS.id, quantity: 1 }]);
    expect((await checkout(cart.app, alice, { card: card({ number: DECLINED_CARD }) })).statusCode).toBe(402);
    const key = randomUUID();
    expect((await checkout(cart.app, alice, { key })).statusCode).toBe(201);
    expect((await checkout(cart.app, alice, { key })).headers['idempotent-replayed']).toBe('true');
    // Nothing left in the cart: a failed checkout.
    expect((await checkout(cart.app, alice)).statusCode).toBe(409);
    // Malformed or unauthenticated: no checkout at all.
    expect((await checkout(cart.app, alice, { payload: { card: { number: '1' } } })).statusCode).toBe(400);
    expect((await cart.app.inject({ method: 'POST', url: '/cart/checkout', payload: { card: card() } })).statusCode).toBe(401);
    const malformed = (headers: Record<string, string>, payload: string) =>
      cart.app.inject({
        method: 'POST',
        url: '/cart/checkout',
        headers: { ...alice.headers, 'idempotency-key': randomUUID(), ...headers },
        payload,
      });
    expect((await malformed({ 'content-type': 'application/xml' }, '<card/>')).statusCode).toBe(415);
    expect((await malformed({ 'content-type': 'application/json' }, '{"card":')).statusCode).toBe(400);
    expect((await malformed({ 'content-type': 'application/json' }, '{"__proto__":{"x":1}}')).statusCode).toBe(400);
    expect((await malformed({ 'content-type': 'application/json' }, 'x'.repeat(2_000_000))).statusCode).toBe(413);

    const text = await cart.app.metrics.registry.metrics();
    expect(text).toContain('myshop_cart_checkouts_total{result="paid",service="cart"} 1');
    expect(text).toContain('myshop_cart_checkouts_total{result="declined",service="cart"} 1');
    expect(text).toContain('myshop_cart_checkouts_total{result="replayed",service="cart"} 1');
    expect(text).toContain('myshop_cart_checkouts_total{result="failed",service="cart"} 1');
    expect(text).toContain('myshop_cart_checkouts_total{result="payment_unavailable",service="cart"} 0');
    expect(text).toContain('http_client_request_duration_seconds_count{service="cart",target="payment",method="POST",outcome="ok"} 1');
    expect(text).toContain(
      'http_client_request_duration_seconds_count{service="cart",target="payment",method="POST",outcome="rejected"} 1',
    );
  });

  it('counts a checkout that payment could not answer as payment_unavailable', async () => {
    const cart = await buildCart({ env: { PAYMENT_URL: UNREACHABLE_URL } });
    const bob = await cart.signIn();
    await fillCart(cart.app, bob, [{ productId: SOCKS.id, quantity: 1 }]);
    expect((await checkout(cart.app, bob)).statusCode).toBe(503);
    const text = await cart.app.metrics.registry.metrics();
    expect(text).toContain('myshop_cart_checkouts_total{result="payment_unavailable",service="cart"} 1');
    expect(text).toContain(
      'http_client_request_duration_seconds_count{service="cart",target="payment",method="POST",outcome="connection"} 1',
    );
  });
});
