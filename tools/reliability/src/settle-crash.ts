import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Answer } from '@myshop/devstack';
import { sandboxCard } from '@myshop/schemas';
import { request } from 'undici';
import { formatSeconds, type Figure } from './figures.ts';
import { startChaosStack, type CheckResult } from './harness.ts';
import { readLedger, selectRows as select, type Ledger } from './ledger.ts';
import { retryAfterMs } from './mixed-load.ts';
import { createShopper, readCatalogue, VISA } from './shoppers.ts';

/**
 * A hop between cart and payment (cart's PAYMENT_URL points here): it passes every call through
 * unchanged, except that once armed, the first charge payment answers 201 for triggers `onCharged`
 * before cart may hear the answer. Nothing in the services knows it is there.
 */
export class PaymentInterposer {
  target = '';
  private server?: Server;
  private armed?: (chargeId: string) => Promise<void>;

  async listen(): Promise<string> {
    this.server = createServer((incoming, outgoing) => void this.pass(incoming, outgoing));
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The next charge created calls `onCharged(chargeId)`, and cart gets no answer for it. */
  armNextCharge(onCharged: (chargeId: string) => Promise<void>): void {
    this.armed = onCharged;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve) ?? resolve(undefined));
  }

  private async pass(incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> {
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of incoming) chunks.push(chunk as Buffer);
      const headers = withoutHopByHop(incoming.headers);
      delete headers.host;
      const response = await request(`${this.target}${incoming.url}`, {
        method: incoming.method as 'POST',
        headers,
        body: chunks.length > 0 ? Buffer.concat(chunks) : undefined,
      });
      const body = Buffer.from(await response.body.arrayBuffer());
      const onCharged = this.armed;
      if (onCharged && incoming.method === 'POST' && incoming.url === '/payment/charges' && response.statusCode === 201) {
        this.armed = undefined;
        await onCharged((JSON.parse(body.toString('utf8')) as { id: string }).id);
        incoming.socket.destroy();
        return;
      }
      outgoing.writeHead(response.statusCode, withoutHopByHop(response.headers)).end(body);
    } catch {
      incoming.socket.destroy();
    }
  }
}

/** Headers of one connection, not of the message: each hop sets its own. */
function withoutHopByHop(headers: Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const kept: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !['connection', 'keep-alive', 'transfer-encoding', 'content-length'].includes(name)) kept[name] = value;
  }
  return kept;
}

export interface SettleCrashOptions {
  /** Deadline for the retries to end the checkout. */
  recoveryTimeoutMs?: number;
  log?: (message: string) => void;
}

/** Cart's answer to a checkout: the order and its charge once it ends, an error code while it does not. */
export interface CheckoutAnswerBody {
  orderId?: string;
  chargeId?: string;
  status?: string;
  amount?: number;
  code?: string;
}

/** The order of the checkout as cart's database holds it afterwards. */
export interface OrderAfterCrash {
  status: string;
  charge_id: string;
  attempts: number;
}

/** A charge payment's database holds for the order. */
export interface ChargeOfOrder {
  id: string;
  status: string;
  amount: number;
}

export interface SettleCrashDetails {
  /** Every attempt's answer in turn: its status and error code, or `no answer`. */
  answers: string[];
  /** The charge payment created right before the cart replica was killed. */
  chargedBeforeCrash: string;
  /** The answer that ended the checkout: 201 paid or 402 declined. */
  final: Answer<CheckoutAnswerBody>;
  /** Absent when cart has no order of that id. */
  order: OrderAfterCrash | undefined;
  charges: ChargeOfOrder[];
  ledger: Ledger;
  /** The cart replica killed, empty if none was. */
  killed: string;
}

/**
 * The worst moment for cart to die: payment has created the charge and answered, cart has not
 * yet marked the order paid. The interposer SIGKILLs the cart replica right then; the shopper
 * retries the checkout with the same key (following Retry-After: 503 while cart restarts, 409
 * while the dead attempt's lease runs) until it ends. Figure: the order ends paid exactly once,
 * by the very charge made before the crash, and payment holds one charge for it.
 */
export async function runSettleCrashCheck(options: SettleCrashOptions = {}): Promise<CheckResult<SettleCrashDetails>> {
  const log = options.log ?? (() => undefined);
  const recoveryTimeoutMs = options.recoveryTimeoutMs ?? 120_000;
  const interposer = new PaymentInterposer();
  const paymentUrl = await interposer.listen();
  try {
    const chaos = await startChaosStack({ replicas: 1, log, env: { PAYMENT_URL: paymentUrl } });
    try {
      const { stack, client } = chaos;
      const cart = stack.services.get('cart')!;
      interposer.target = stack.services.get('payment')!.url;
      const shopper = await createShopper(client, 'crash');
      const [first, second] = await readCatalogue(client);
      for (const product of [first!, second!]) {
        const added = await client.call('POST', '/cart/items', { token: shopper.token, body: { productId: product.id, quantity: 2 } });
        if (added.status !== 201) throw new Error(`POST /cart/items answered ${added.status}`);
      }
      const amount = 2 * first!.price + 2 * second!.price;

      let chargedBeforeCrash = '';
      let killed = '';
      interposer.armNextCharge(async (chargeId) => {
        chargedBeforeCrash = chargeId;
        const replica = cart.replicas[0]!;
        killed = replica.name;
        const exited = once(replica.child!, 'exit');
        replica.child!.kill('SIGKILL');
        await exited;
        log(`settle crash: charge ${chargeId} created, ${replica.name} killed before it heard`);
      });

      const key = randomUUID();
      const started = performance.now();
      const answers: string[] = [];
      let final: Answer<CheckoutAnswerBody> | undefined;
      while (!final) {
        if (performance.now() - started > recoveryTimeoutMs)
          throw new Error(`checkout not settled within ${recoveryTimeoutMs} ms: ${answers.join(', ')}`);
        const answer = await client
          .call<CheckoutAnswerBody>('POST', '/cart/checkout', {
            token: shopper.token,
            key,
            body: { card: sandboxCard(VISA) },
          })
          .catch(() => undefined);
        answers.push(answer ? `${answer.status}${answer.body?.code ? ` ${answer.body.code}` : ''}` : 'no answer');
        if (answer && (answer.status === 201 || answer.status === 402)) final = answer;
        else await sleep(retryAfterMs(answer));
      }
      const settledMs = performance.now() - started;

      const orderId = final.body.orderId ?? '';
      const charges = await select<ChargeOfOrder>(
        stack.services.get('payment')!.databaseUrl,
        `SELECT id, status, amount FROM charges WHERE metadata->>'orderId' = $1`,
        [orderId],
      );
      const [order] = await select<OrderAfterCrash>(cart.databaseUrl, 'SELECT status, charge_id, attempts FROM orders WHERE id = $1', [
        orderId,
      ]);
      const ledger = await readLedger(cart.databaseUrl, stack.services.get('payment')!.databaseUrl);
      const cartAfter = await client.call<{ items: unknown[] }>('GET', '/cart', { token: shopper.token });

      const paidOnce =
        final.status === 201 &&
        !!chargedBeforeCrash &&
        final.body.chargeId === chargedBeforeCrash &&
        order?.status === 'paid' &&
        order.charge_id === chargedBeforeCrash &&
        charges.length === 1 &&
        charges[0]!.status === 'succeeded' &&
        charges[0]!.amount === amount &&
        ledger.problems.length === 0 &&
        cartAfter.body.items.length === 0;
      const figures: Figure[] = [
        {
          check: 'crash between charge and settle: paid exactly once',
          load: `one checkout, cart (${killed || 'no replica'}) SIGKILLed after payment created the charge, retried with the same key`,
          figure: `order ${order?.status ?? 'missing'} by the charge made before the crash; ${charges.length} charge(s) for it; settled after ${answers.length} attempts in ${formatSeconds(settledMs)} (${answers.join(', ')})`,
          target: 'paid once, 1 charge',
          pass: paidOnce,
        },
      ];
      return { figures, details: { answers, chargedBeforeCrash, final, order, charges, ledger, killed } };
    } finally {
      await chaos.close();
    }
  } finally {
    await interposer.close();
  }
}
