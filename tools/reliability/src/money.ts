import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Answer, GatewayClient } from '@myshop/devstack';
import { sandboxCard } from '@myshop/schemas';
import fc from 'fast-check';
import { formatCount, type Figure } from './figures.ts';
import { runReconcileCommand, type ReconcileRun } from './reconcile-command.ts';
import { onStack, readStackLedger, type ChaosStack, type CheckResult } from './harness.ts';
import type { Ledger } from './ledger.ts';
import { createShopper, DECLINED, login, readCatalogue, VISA, type ProductRef, type Shopper } from './shoppers.ts';

export interface MoneyOptions {
  /** Replicas of each service (at least 3: the rules must hold across replicas). */
  replicas: number;
  /** fast-check runs; each run has new shoppers and up to `maxSteps` steps. */
  runs: number;
  maxSteps: number;
  seed?: number;
  stack?: ChaosStack;
  log?: (message: string) => void;
}

/** Who acts in a run: two honest shoppers and Mallory, who tries what a hostile shopper would. */
const SHOPPERS = ['alice', 'bob', 'mallory'] as const;
type Who = 0 | 1 | 2;

type Action =
  | { kind: 'fill'; who: Who; lines: Array<{ product: number; quantity: number }> }
  /** `clicks` checkouts of the cart at once, each with a key of its own (a double click, a client making a key per try). */
  | { kind: 'checkout'; who: Who; clicks: number; declined: boolean }
  /** The last checkout again, with its key. */
  | { kind: 'retry'; who: Who }
  /** A shopper refunding a charge: their own last one, or (Mallory) Alice's. */
  | { kind: 'shopperRefund'; who: Who }
  | { kind: 'operatorRefund'; who: Who; part: 'rest' | 'half' | 'one' }
  /** Mallory's token tricks: a payment token replayed at cart and user, a shopper's token charging at payment. */
  | { kind: 'replay'; who: Who };

/** Actions run at the same time, through the gateway, on whatever replicas the Services pick. */
type Step = Action[];

const who = fc.constantFrom<Who>(0, 1, 2);
const action: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('fill' as const),
      who,
      lines: fc.array(fc.record({ product: fc.nat(9), quantity: fc.integer({ min: 1, max: 3 }) }), { minLength: 1, maxLength: 3 }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant('checkout' as const), who, clicks: fc.integer({ min: 1, max: 3 }), declined: fc.boolean() }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('retry' as const), who }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('shopperRefund' as const), who }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('operatorRefund' as const),
      who,
      part: fc.constantFrom('rest' as const, 'half' as const, 'one' as const),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('replay' as const), who: fc.constant<Who>(2) }) },
);

/**
 * One run of every kind of action, done first, before the drawn ones: whatever fast-check draws,
 * each rule is put to the test in every check (a double click and a decline at once, a retry,
 * refunds by shoppers and by the operator in each part, Mallory's token replays).
 */
const EVERY_KIND: Step[] = [
  [
    { kind: 'fill', who: 0, lines: [{ product: 3, quantity: 2 }] },
    { kind: 'fill', who: 1, lines: [{ product: 4, quantity: 1 }] },
  ],
  [
    { kind: 'checkout', who: 0, clicks: 3, declined: false },
    { kind: 'checkout', who: 1, clicks: 1, declined: true },
  ],
  [
    { kind: 'retry', who: 0 },
    { kind: 'shopperRefund', who: 2 },
    { kind: 'replay', who: 2 },
  ],
  [
    { kind: 'operatorRefund', who: 0, part: 'half' },
    { kind: 'operatorRefund', who: 2, part: 'one' },
    { kind: 'shopperRefund', who: 0 },
  ],
  [{ kind: 'operatorRefund', who: 0, part: 'rest' }],
];

/** What a shopper did and was told, as the model keeps it. */
interface ShopperModel {
  shopper: Shopper;
  /** Units put in the cart (answered 201), by product. */
  added: Map<string, number>;
  lastCheckout?: { key: string; answer: Answer<Record<string, unknown>> };
  /** Orders the shop said were paid: order id → what it charged and what the operator gave back. */
  paid: Map<string, { chargeId: string; amount: number; items: Array<{ productId: string; quantity: number }>; refunded: number }>;
  /** The operator's refunds of this shopper's orders, one at a time: each knows what the last one left. */
  refunds: Promise<void>;
}

/** What the runs did, counted, and every way the stack diverged from the model. */
export interface MoneyTally {
  runs: number;
  steps: number;
  checkouts: number;
  concurrentClicks: number;
  paid: number;
  declined: number;
  refusedAsPending: number;
  retries: number;
  operatorRefunds: number;
  refundsRefusedForShoppers: number;
  replaysRefused: number;
  divergences: string[];
}

export interface MoneyDetails {
  tally: MoneyTally;
  /** The books once every run was done. */
  ledger: Ledger;
  /** `npm run reconcile` run over the same books. */
  reconciliation: ReconcileRun;
}

/**
 * The money rules, proven against hostile interleavings on the real stack (every service with
 * several replicas, behind the gateway): fast-check draws runs of steps, each step several
 * actions at once by honest and hostile shoppers and an operator, and a model of what each
 * shopper was told is checked after every run:
 * - each unit put in a cart is paid at most once (cart now + units paid = units added), and of
 *   several checkouts of one cart at once, at most one is paid;
 * - a retry with a key gets the first answer again;
 * - only the operator refunds (every shopper's attempt is 403), and every refund shows on the
 *   order it gives money back for;
 * - tokens go only where they are meant to (a payment token is refused by cart and user, a
 *   shopper's token cannot charge);
 * and, once all runs are done, the books: reconciliation finds no difference, and money captured
 * minus refunded equals what the paid orders keep.
 */
export async function runMoneyCheck(options: MoneyOptions): Promise<CheckResult<MoneyDetails>> {
  const log = options.log ?? (() => undefined);
  return onStack(options.stack, { replicas: options.replicas, log }, async (chaos) => {
    const { client } = chaos;
    const products = (await readCatalogue(client)).slice(0, 10);
    const operator = await createShopper(client, 'operator');
    await chaos.stack.operator('grant', operator.email);
    const operatorToken = await login(client, operator.email);
    const clientSecret = readFileSync(join(chaos.dataDir, 'clients', 'cart.secret'), 'utf8');
    const tally: MoneyTally = {
      runs: 0,
      steps: 0,
      checkouts: 0,
      concurrentClicks: 0,
      paid: 0,
      declined: 0,
      refusedAsPending: 0,
      retries: 0,
      operatorRefunds: 0,
      refundsRefusedForShoppers: 0,
      replaysRefused: 0,
      divergences: [],
    };
    const context = { client, products, operatorToken, clientSecret, tally };

    await fc
      .assert(
        fc.asyncProperty(
          fc.array(fc.array(action, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: options.maxSteps }),
          async (steps) => {
            const models = await Promise.all(SHOPPERS.map(async (name) => newShopper(client, name)));
            // Every run starts from shoppers who have paid once, so refunds and retries have something to act on.
            const opening: Step[] = [
              SHOPPERS.map((_, index) => ({ kind: 'fill' as const, who: index as Who, lines: [{ product: index, quantity: 1 }] })),
              SHOPPERS.map((_, index) => ({ kind: 'checkout' as const, who: index as Who, clicks: 1, declined: false })),
            ];
            for (const step of [...opening, ...steps]) {
              await Promise.all(step.map((next) => perform(context, models, next, step)));
              tally.steps += 1;
            }
            await checkModel(client, models, tally);
            tally.runs += 1;
            if (tally.divergences.length > 0) throw new Error(`diverged from the model: ${tally.divergences.join('; ')}`);
          },
        ),
        {
          numRuns: options.runs,
          examples: [[EVERY_KIND]],
          endOnFailure: true,
          ...(options.seed === undefined ? {} : { seed: options.seed }),
        },
      )
      .catch((error: unknown) => {
        if (tally.divergences.length === 0) tally.divergences.push((error as Error).message.split('\n')[0]!);
      });

    // The books once every run is done, by the reconciliation command itself: payment and cart
    // tell one story, money included (it waits for refunds still on their way to their orders).
    const { services } = chaos.stack;
    const reconciliation = await runReconcileCommand(services.get('cart')!.databaseUrl, services.get('payment')!.databaseUrl, 20);
    const ledger = await readStackLedger(chaos);
    log(`money: ${tally.runs} runs, ${tally.steps} steps, ${tally.divergences.length} divergences, ${ledger.problems.length} differences`);
    const load = `${formatCount(tally.runs)} runs, ${formatCount(tally.steps)} steps of concurrent actions, ${options.replicas} replicas × 3 services`;
    const figures: Figure[] = [
      {
        check: 'money model-based: each cart paid once',
        load: `${load}; ${formatCount(tally.checkouts)} checkouts (${formatCount(tally.concurrentClicks)} as concurrent clicks with new keys), ${formatCount(tally.retries)} retries`,
        figure: `${tally.divergences.length} divergences from the model; ${formatCount(tally.paid)} paid, ${formatCount(tally.declined)} declined, ${formatCount(tally.refusedAsPending)} refused as another checkout of the cart; ${ledger.duplicates} orders charged twice`,
        target: '0 divergences, 0 charged twice',
        pass: tally.divergences.length === 0 && ledger.duplicates === 0 && tally.runs === options.runs,
      },
      {
        check: 'money model-based: who may refund',
        load: `${formatCount(tally.refundsRefusedForShoppers)} refund attempts by shoppers, ${formatCount(tally.operatorRefunds)} operator refunds`,
        figure: `${formatCount(tally.refundsRefusedForShoppers)} refused with 403; ${formatCount(tally.operatorRefunds)} made by the operator, each shown on its order`,
        target: 'every shopper refused, every refund on its order',
        pass: tally.divergences.length === 0 && tally.runs === options.runs,
      },
      {
        check: 'money model-based: tokens where they are meant',
        load: `${formatCount(tally.replaysRefused)} token replays (payment token at cart and user, shopper token charging at payment)`,
        figure: `${formatCount(tally.replaysRefused)} refused`,
        target: 'all refused',
        pass: tally.divergences.length === 0 && tally.runs === options.runs,
      },
      {
        check: 'money model-based: books agree (reconciliation)',
        load: `every order and charge of the runs, read from both databases`,
        figure: `npm run reconcile exit ${reconciliation.code}, ${ledger.problems.length} differences; captured ${formatCount(ledger.money.captured)} − refunded ${formatCount(ledger.money.refunded)} = ${formatCount(ledger.money.kept)}, paid orders keep ${formatCount(ledger.money.keptByOrders)}`,
        target: 'exit 0, 0 differences, equal',
        pass: reconciliation.code === 0 && ledger.problems.length === 0 && ledger.money.kept === ledger.money.keptByOrders,
      },
    ];
    return { figures, details: { tally, ledger, reconciliation } };
  });
}

async function newShopper(client: GatewayClient, name: string): Promise<ShopperModel> {
  return { shopper: await createShopper(client, name), added: new Map(), paid: new Map(), refunds: Promise.resolve() };
}

interface Context {
  client: GatewayClient;
  products: ProductRef[];
  operatorToken: string;
  clientSecret: string;
  tally: MoneyTally;
}

const PENDING_CODES = new Set(['CART_CHECKOUT_PENDING', 'CART_CHECKOUT_IN_PROGRESS', 'CART_EMPTY']);

async function perform(context: Context, models: ShopperModel[], next: Action, step: Step): Promise<void> {
  const { client, tally } = context;
  const model = models[next.who]!;
  const token = model.shopper.token;
  const diverged = (what: string) => tally.divergences.push(`${SHOPPERS[next.who]} ${next.kind}: ${what}`);

  switch (next.kind) {
    case 'fill': {
      for (const line of next.lines) {
        const product = context.products[line.product % context.products.length]!;
        const answer = await client.call('POST', '/cart/items', { token, body: { productId: product.id, quantity: line.quantity } });
        if (answer.status === 201) model.added.set(product.id, (model.added.get(product.id) ?? 0) + line.quantity);
        else if (answer.status !== 422) diverged(`adding answered ${answer.status}`);
      }
      return;
    }
    case 'checkout': {
      const body = { card: sandboxCard(next.declined ? DECLINED : VISA) };
      const keys = Array.from({ length: next.clicks }, () => randomUUID());
      const answers = await Promise.all(
        keys.map((key) => client.call<Record<string, unknown>>('POST', '/cart/checkout', { token, key, body })),
      );
      tally.checkouts += next.clicks;
      if (next.clicks > 1) tally.concurrentClicks += next.clicks;
      const paid = answers.filter((answer) => answer.status === 201);
      // Clicks on one cart pay it once. A fill of the same cart in the same step may land after
      // the first payment: a second order then pays for what it added, which is allowed, and the
      // units' count (checkModel: added = in the cart + in paid orders) proves none is paid twice.
      const filling = step.some((other) => other.kind === 'fill' && other.who === next.who);
      if (paid.length > 1 && !filling) diverged(`${paid.length} of ${next.clicks} concurrent checkouts of one cart were paid`);
      answers.forEach((answer, index) => {
        if (answer.status === 201) {
          tally.paid += 1;
          const order = answer.body as {
            orderId: string;
            chargeId: string;
            amount: number;
            items: Array<{ productId: string; quantity: number }>;
          };
          model.paid.set(order.orderId, { chargeId: order.chargeId, amount: order.amount, items: order.items, refunded: 0 });
        } else if (answer.status === 402) {
          tally.declined += 1;
        } else if (answer.status === 409 && PENDING_CODES.has(String(answer.body?.code))) {
          tally.refusedAsPending += 1;
        } else {
          diverged(`checkout answered ${answer.status} ${JSON.stringify(answer.body)}`);
        }
        if (answer.status === 201 || answer.status === 402) model.lastCheckout = { key: keys[index]!, answer };
      });
      return;
    }
    case 'retry': {
      const last = model.lastCheckout;
      if (!last) return;
      tally.retries += 1;
      const body = { card: sandboxCard(last.answer.status === 402 ? DECLINED : VISA) };
      const again = await client.call<Record<string, unknown>>('POST', '/cart/checkout', { token, key: last.key, body });
      if (again.status !== last.answer.status || JSON.stringify(again.body) !== JSON.stringify(last.answer.body)) {
        diverged(`the same key answered ${again.status} after ${last.answer.status}`);
      } else if (again.headers['idempotent-replayed'] !== 'true') {
        diverged('a replay did not say so');
      }
      return;
    }
    case 'shopperRefund': {
      // Mallory goes for Alice's charge; the others for their own.
      const target = next.who === 2 ? models[0]! : model;
      const [order] = [...target.paid.values()];
      if (!order) return;
      const answer = await client.call('POST', `/payment/charges/${order.chargeId}/refunds`, { token, key: randomUUID(), body: {} });
      if (answer.status === 403) tally.refundsRefusedForShoppers += 1;
      else diverged(`a shopper's refund answered ${answer.status}`);
      return;
    }
    case 'operatorRefund': {
      const refund = model.refunds.then(() => operatorRefund(context, model, next.part, diverged));
      model.refunds = refund.catch(() => undefined);
      return refund;
    }
    case 'replay': {
      const paymentToken = await exchangeForPayment(client, context.clientSecret, token);
      const tries: Array<[string, string, string, number]> = [
        ['a payment token at cart', 'GET', '/cart', 401],
        ['a payment token at user', 'GET', '/user/me', 401],
        ['a payment token on a shopper route of payment', 'GET', '/payment/charges', 403],
      ];
      for (const [name, method, path, expected] of tries) {
        const answer = await client.call(method, path, { token: paymentToken });
        if (answer.status === expected) tally.replaysRefused += 1;
        else diverged(`${name} answered ${answer.status}`);
      }
      const charge = await client.call('POST', '/payment/charges', {
        token,
        key: randomUUID(),
        body: { amount: 100, currency: 'USD', card: sandboxCard(VISA) },
      });
      if (charge.status === 403) tally.replaysRefused += 1;
      else diverged(`a shopper's own token charging at payment answered ${charge.status}`);
      return;
    }
  }
}

/** The operator gives back part or all of what is left of the shopper's last paid order. */
async function operatorRefund(
  context: Context,
  model: ShopperModel,
  part: 'rest' | 'half' | 'one',
  diverged: (what: string) => void,
): Promise<void> {
  const order = [...model.paid.values()].at(-1);
  if (!order) return;
  const left = order.amount - order.refunded;
  const amount = part === 'rest' ? left : part === 'half' ? Math.floor(left / 2) : Math.min(1, left);
  const answer = await context.client.call<{ amount?: number }>('POST', `/payment/charges/${order.chargeId}/refunds`, {
    token: context.operatorToken,
    key: randomUUID(),
    body: amount > 0 ? { amount } : {},
  });
  if (amount > 0 && answer.status === 201 && answer.body.amount === amount) {
    order.refunded += amount;
    context.tally.operatorRefunds += 1;
  } else if (!(amount === 0 && answer.status === 422)) {
    // Nothing left to give back is refused (422), as it must be; anything else is not the model.
    diverged(`refunding ${amount} of ${left} left answered ${answer.status} ${JSON.stringify(answer.body)}`);
  }
}

/** What only cart may do: exchange a shopper's token for a payment token (the secret taken from its data folder). */
async function exchangeForPayment(client: GatewayClient, secret: string, subject: string): Promise<string> {
  const answer = await client.call<{ access_token: string }>('POST', '/user/oauth/token', {
    headers: { authorization: `Basic ${Buffer.from(`cart:${secret}`).toString('base64')}` },
    body: {
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      audience: 'payment',
      scope: 'payment:charge',
      subject_token: subject,
      subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
    },
  });
  if (answer.status !== 200) throw new Error(`token exchange answered ${answer.status}`);
  return answer.body.access_token;
}

interface OrderView {
  id: string;
  status: string;
  amount: number;
  amountRefunded: number;
  items: Array<{ productId: string; quantity: number }>;
}

/**
 * After a run: every unit added is in the cart or in exactly one paid order; every order the
 * shop said was paid is listed with what the operator refunded of it (read from payment's feed).
 */
async function checkModel(client: GatewayClient, models: ShopperModel[], tally: MoneyTally): Promise<void> {
  for (const [index, model] of models.entries()) {
    const name = SHOPPERS[index];
    const token = model.shopper.token;
    const expected = (order: { amount: number; refunded: number }) => ({
      status: order.refunded === 0 ? 'paid' : order.refunded < order.amount ? 'partially_refunded' : 'refunded',
      amountRefunded: order.refunded,
    });
    // Refunds reach orders through the feed: give it a few seconds.
    let orders: OrderView[] = [];
    for (const deadline = Date.now() + 15_000; ;) {
      orders = (await client.call<{ items: OrderView[] }>('GET', '/cart/orders?limit=100', { token })).body.items;
      const settled = [...model.paid].every(([id, order]) => {
        const seen = orders.find((candidate) => candidate.id === id);
        return seen?.status === expected(order).status && seen.amountRefunded === order.refunded;
      });
      if (settled || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    for (const [id, order] of model.paid) {
      const seen = orders.find((candidate) => candidate.id === id);
      const wanted = expected(order);
      if (!seen) tally.divergences.push(`${name}: paid order ${id} is not listed`);
      else if (seen.status !== wanted.status || seen.amountRefunded !== wanted.amountRefunded) {
        tally.divergences.push(
          `${name}: order ${id} is ${seen.status} with ${seen.amountRefunded} refunded, the model says ${wanted.status} with ${wanted.amountRefunded}`,
        );
      }
    }
    const paidOrders = orders.filter((order) => ['paid', 'partially_refunded', 'refunded'].includes(order.status));
    if (paidOrders.length !== model.paid.size)
      tally.divergences.push(`${name}: ${paidOrders.length} paid orders listed, told ${model.paid.size}`);
    const cart = (await client.call<{ items: Array<{ productId: string; quantity: number }> }>('GET', '/cart', { token })).body.items;
    const held = new Map<string, number>();
    const count = (productId: string, quantity: number) => held.set(productId, (held.get(productId) ?? 0) + quantity);
    for (const line of cart) count(line.productId, line.quantity);
    for (const order of paidOrders) for (const line of order.items) count(line.productId, line.quantity);
    for (const productId of new Set([...held.keys(), ...model.added.keys()])) {
      const added = model.added.get(productId) ?? 0;
      const found = held.get(productId) ?? 0;
      if (found !== added) tally.divergences.push(`${name}: ${added} units of ${productId} added, ${found} in the cart and paid orders`);
    }
  }
}
