/**
 * The cart against an in-memory model (fast-check commands): add, set quantity, remove, clear
 * and get, in any order, each answer and the stored cart checked against what the model says,
 * the 1–99 per line and 50 lines limits included.
 */
import { randomUUID } from 'node:crypto';
import { writeReliabilityFigure } from '@myshop/testing';
import fc from 'fast-check';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import { MAX_CART_LINES, MAX_LINE_QUANTITY } from '../../src/schemas.ts';
import { addProducts, buildCart } from '../helpers.ts';

const RUNS = Math.max(1000, Number(process.env.MODEL_RUNS ?? 0) || 0);
/** Products the commands pick from: more than a cart may hold, so the line limit is reachable. */
const POOL_SIZE = MAX_CART_LINES + 5;

interface Line {
  productId: string;
  quantity: number;
}
interface Model {
  lines: Line[];
}
interface Real {
  app: FastifyInstance;
  headers: { authorization: string };
  pool: string[];
  catalogue: Map<string, { name: string; price: number }>;
  tally: Record<string, number>;
}

/** What the cart must look like, priced from the catalogue, in the order the lines were first added. */
function expectedCart(model: Model, real: Real) {
  const items = model.lines.map(({ productId, quantity }) => {
    const product = real.catalogue.get(productId)!;
    return { productId, name: product.name, quantity, unitPrice: product.price, lineTotal: product.price * quantity };
  });
  return { items, subtotal: items.reduce((sum, item) => sum + item.lineTotal, 0), currency: 'USD' };
}

/** The pool index past the end stands for a product the catalogue does not have. */
const productAt = (real: Real, index: number) => real.pool[index] ?? '00000000-0000-4000-8000-000000000000';

function expectAnswer(real: Real, response: LightMyRequestResponse, status: number, body: unknown, outcome: string) {
  real.tally[outcome] = (real.tally[outcome] ?? 0) + 1;
  expect({ status: response.statusCode, body: response.statusCode === 204 ? null : response.json() }).toEqual({ status, body });
}

const error = (statusCode: number, code: string) => expect.objectContaining({ statusCode, code });

class AddItem implements fc.AsyncCommand<Model, Real> {
  readonly product: number;
  readonly quantity: number;
  constructor(product: number, quantity: number) {
    this.product = product;
    this.quantity = quantity;
  }
  check = () => true;
  async run(model: Model, real: Real) {
    const productId = productAt(real, this.product);
    const response = await real.app.inject({
      method: 'POST',
      url: '/cart/items',
      headers: real.headers,
      payload: { productId, quantity: this.quantity },
    });
    const line = model.lines.find((candidate) => candidate.productId === productId);
    // The checks in the order the contract gives them: quantity, product, line total, line count.
    if (this.quantity > MAX_LINE_QUANTITY) return expectAnswer(real, response, 422, error(422, 'CART_QUANTITY_LIMIT'), 'quantity limit');
    if (!real.catalogue.has(productId)) return expectAnswer(real, response, 404, error(404, 'CART_PRODUCT_NOT_FOUND'), 'unknown product');
    if (line && line.quantity + this.quantity > MAX_LINE_QUANTITY)
      return expectAnswer(real, response, 422, error(422, 'CART_QUANTITY_LIMIT'), 'quantity limit');
    if (!line && model.lines.length >= MAX_CART_LINES)
      return expectAnswer(real, response, 422, error(422, 'CART_LINE_LIMIT'), 'line limit');
    if (line) line.quantity += this.quantity;
    else model.lines.push({ productId, quantity: this.quantity });
    expectAnswer(real, response, 201, expectedCart(model, real), 'added');
  }
  toString = () => `add(#${this.product}, ${this.quantity})`;
}

class SetQuantity implements fc.AsyncCommand<Model, Real> {
  readonly product: number;
  readonly quantity: number;
  constructor(product: number, quantity: number) {
    this.product = product;
    this.quantity = quantity;
  }
  check = () => true;
  async run(model: Model, real: Real) {
    const productId = productAt(real, this.product);
    const response = await real.app.inject({
      method: 'PUT',
      url: `/cart/items/${productId}`,
      headers: real.headers,
      payload: { quantity: this.quantity },
    });
    const line = model.lines.find((candidate) => candidate.productId === productId);
    if (this.quantity > MAX_LINE_QUANTITY) return expectAnswer(real, response, 422, error(422, 'CART_QUANTITY_LIMIT'), 'quantity limit');
    if (!line) return expectAnswer(real, response, 404, error(404, 'CART_ITEM_NOT_FOUND'), 'not in the cart');
    line.quantity = this.quantity;
    expectAnswer(real, response, 200, expectedCart(model, real), 'set');
  }
  toString = () => `set(#${this.product}, ${this.quantity})`;
}

class RemoveItem implements fc.AsyncCommand<Model, Real> {
  readonly product: number;
  constructor(product: number) {
    this.product = product;
  }
  check = () => true;
  async run(model: Model, real: Real) {
    const productId = productAt(real, this.product);
    const response = await real.app.inject({ method: 'DELETE', url: `/cart/items/${productId}`, headers: real.headers });
    const index = model.lines.findIndex((candidate) => candidate.productId === productId);
    if (index < 0) return expectAnswer(real, response, 404, error(404, 'CART_ITEM_NOT_FOUND'), 'not in the cart');
    model.lines.splice(index, 1);
    expectAnswer(real, response, 200, expectedCart(model, real), 'removed');
  }
  toString = () => `remove(#${this.product})`;
}

class Clear implements fc.AsyncCommand<Model, Real> {
  check = () => true;
  async run(model: Model, real: Real) {
    const response = await real.app.inject({ method: 'DELETE', url: '/cart', headers: real.headers });
    model.lines = [];
    expectAnswer(real, response, 204, null, 'cleared');
  }
  toString = () => 'clear()';
}

class GetCart implements fc.AsyncCommand<Model, Real> {
  check = () => true;
  async run(model: Model, real: Real) {
    const response = await real.app.inject({ method: 'GET', url: '/cart', headers: real.headers });
    expectAnswer(real, response, 200, expectedCart(model, real), 'read');
  }
  toString = () => 'get()';
}

/** Any product of the pool (or the unknown one), often one past the lines a nearly full cart starts with. */
const product = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: POOL_SIZE }), weight: 1 },
  { arbitrary: fc.integer({ min: MAX_CART_LINES - 3, max: POOL_SIZE }), weight: 2 },
);
const quantity = fc.oneof(
  { arbitrary: fc.integer({ min: 1, max: 5 }), weight: 3 },
  { arbitrary: fc.integer({ min: 30, max: 70 }), weight: 2 },
  { arbitrary: fc.integer({ min: 95, max: 150 }), weight: 1 },
);
const commands = fc.commands(
  [
    fc.tuple(product, quantity).map(([index, amount]) => new AddItem(index, amount)),
    fc.tuple(product, quantity).map(([index, amount]) => new SetQuantity(index, amount)),
    product.map((index) => new RemoveItem(index)),
    fc.constant(new Clear()),
    fc.constant(new GetCart()),
  ],
  { maxCommands: 8 },
);
/** Half the runs start empty; half start full or up to two lines short of it, so the limit is met. */
const startingLines = fc.oneof(
  { arbitrary: fc.constant([] as number[]), weight: 1 },
  {
    arbitrary: fc
      .integer({ min: MAX_CART_LINES - 2, max: MAX_CART_LINES })
      .chain((count) => fc.array(fc.integer({ min: 1, max: 99 }), { minLength: count, maxLength: count })),
    weight: 1,
  },
);

describe('the cart, against a model (fast-check commands)', () => {
  it(`agrees with the model over ${RUNS} runs, limits included`, { timeout: 900_000 }, async () => {
    const { app, issuer, database } = await buildCart();
    await addProducts(database, POOL_SIZE - 10);
    const rows = await database.query<{ id: string; name: string; price: number }>('SELECT id, name, price::int FROM products ORDER BY id');
    const catalogue = new Map(rows.map((row) => [row.id, { name: row.name, price: row.price }]));
    const pool = rows.slice(0, POOL_SIZE).map((row) => row.id);
    expect(pool).toHaveLength(POOL_SIZE);
    const tally: Record<string, number> = {};
    let runs = 0;
    let executed = 0;

    const property = fc.asyncProperty(startingLines, commands, async (start, run) => {
      runs += 1;
      // A new user per run: a fresh, empty cart without touching anyone else's.
      const userId = randomUUID();
      const headers = { authorization: `Bearer ${await issuer.sign(userId)}` };
      const lines = start.map((amount, index) => ({ productId: pool[index]!, quantity: amount }));
      if (lines.length > 0) {
        await database.query('INSERT INTO carts (user_id) VALUES ($1)', [userId]);
        // Explicit, increasing times: the order the model keeps.
        await database.query(
          `INSERT INTO cart_items (user_id, product_id, quantity, added_at)
           SELECT $1, product_id, quantity, now() - interval '1 hour' + ordinality * interval '1 second'
             FROM unnest($2::uuid[], $3::int[]) WITH ORDINALITY AS line(product_id, quantity, ordinality)`,
          [userId, lines.map((line) => line.productId), lines.map((line) => line.quantity)],
        );
      }
      const model: Model = { lines: lines.map((line) => ({ ...line })) };
      await fc.asyncModelRun(() => ({ model, real: { app, headers, pool, catalogue, tally } }), run);
      executed += [...run].length;
      // What is stored is what the model holds, whatever the answers said.
      const stored = await database.query<{ product_id: string; quantity: number }>(
        'SELECT product_id, quantity FROM cart_items WHERE user_id = $1 ORDER BY added_at, product_id',
        [userId],
      );
      expect(stored.map((row) => ({ productId: row.product_id, quantity: row.quantity }))).toEqual(model.lines);
    });

    let failure: unknown;
    try {
      await fc.assert(property, { numRuns: RUNS });
    } catch (caught) {
      failure = caught;
    }
    writeReliabilityFigure({
      check: 'cart model-based',
      load: `${runs} runs, ${executed} commands (${Object.entries(tally)
        .map(([outcome, count]) => `${outcome}: ${count}`)
        .join(', ')})`,
      figure: failure ? 'diverged from the model' : '0 divergences from the model',
      target: `0 divergences, ≥ ${RUNS} runs, both limits reached`,
      pass: !failure && runs >= RUNS && (tally['quantity limit'] ?? 0) > 0 && (tally['line limit'] ?? 0) > 0,
    });
    if (failure) throw failure;
    expect(runs).toBeGreaterThanOrEqual(RUNS);
    // The limits were met, not just the happy paths.
    expect(tally['quantity limit']).toBeGreaterThan(0);
    expect(tally['line limit']).toBeGreaterThan(0);
    expect(tally.added).toBeGreaterThan(0);
  });
});
