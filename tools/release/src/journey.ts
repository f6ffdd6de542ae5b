/**
 * The shopping journey a customer makes, through whatever stands at the front door: `npm start`'s
 * gateway, or an Ingress or Gateway API controller of a cluster (CI's kind job). It speaks HTTP
 * only, with `Host: myshop.com`, so it proves the routing as much as the services:
 *   register → login → products → add to cart → checkout (cart charges through payment) → charges.
 * `npm run journey -- --base-url http://127.0.0.1:8080 [--host myshop.com] [--wait-seconds 120]`
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { sandboxCard } from '@myshop/schemas';
import { Agent, request } from 'undici';

export const SHOP_HOST = 'myshop.com';
/** Succeeds in the sandbox that payment runs outside production. */

export interface JourneyOptions {
  baseUrl: string;
  host?: string;
  /** How long to wait for the front door to answer before the first step (a fresh cluster). */
  waitSeconds?: number;
  /** Each step as it ends: `register 201 (35 ms)`. */
  log?: (line: string) => void;
}

export interface Step {
  name: string;
  status: number;
  ms: number;
}

export interface JourneyResult {
  steps: Step[];
  orderId: string;
  chargeId: string;
  amount: number;
}

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

/** One step failed: which, what came back, and what was expected. */
export class JourneyError extends Error {
  constructor(step: string, expected: string, answer: Answer | undefined, cause?: unknown) {
    const got = answer
      ? `${answer.status} ${JSON.stringify(answer.body).slice(0, 500)}`
      : String((cause as Error | undefined)?.message ?? cause);
    super(`journey step "${step}": expected ${expected}, got ${got}`);
    this.name = 'JourneyError';
  }
}

export async function runJourney(options: JourneyOptions): Promise<JourneyResult> {
  const host = options.host ?? SHOP_HOST;
  const log = options.log ?? (() => undefined);
  const base = options.baseUrl.replace(/\/+$/, '');
  const agent = new Agent({ connections: 4 });
  const steps: Step[] = [];

  const call = async (method: string, path: string, init: { body?: unknown; token?: string; key?: string } = {}): Promise<Answer> => {
    const response = await request(`${base}${path}`, {
      dispatcher: agent,
      method: method as 'GET',
      headers: {
        host,
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
        ...(init.key ? { 'idempotency-key': init.key } : {}),
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.body.text();
    let body: Record<string, unknown>;
    try {
      body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      body = { text };
    }
    return { status: response.statusCode, body };
  };

  /** Runs one step: the call, then `check` on its answer (which returns what the next steps need). */
  const step = async <T>(
    name: string,
    expected: string,
    send: () => Promise<Answer>,
    check: (answer: Answer) => T | undefined,
  ): Promise<T> => {
    const started = performance.now();
    let answer: Answer | undefined;
    try {
      answer = await send();
    } catch (error) {
      throw new JourneyError(name, expected, undefined, error);
    }
    const value = check(answer);
    if (value === undefined) throw new JourneyError(name, expected, answer);
    const ms = Math.round(performance.now() - started);
    steps.push({ name, status: answer.status, ms });
    log(`${name.padEnd(12)} ${answer.status} (${ms} ms)`);
    return value;
  };

  try {
    await waitForFrontDoor(() => call('GET', '/user/.well-known/jwks.json'), options.waitSeconds ?? 0);

    const account = { email: `journey-${randomUUID()}@example.com`, password: 'correct horse battery staple', name: 'Journey' };
    await step(
      'register',
      '201',
      () => call('POST', '/user/register', { body: account }),
      (answer) => (answer.status === 201 ? true : undefined),
    );
    const token = await step(
      'login',
      '200 with an accessToken',
      () => call('POST', '/user/login', { body: { email: account.email, password: account.password } }),
      (answer) => (answer.status === 200 && typeof answer.body.accessToken === 'string' ? answer.body.accessToken : undefined),
    );
    const product = await step(
      'products',
      '200 with a product',
      () => call('GET', '/cart/products?limit=1'),
      (answer) => {
        const [first] = (answer.body.items ?? []) as Array<{ id: string; price: number }>;
        return answer.status === 200 && first ? first : undefined;
      },
    );
    const quantity = 2;
    await step(
      'add to cart',
      '201',
      () => call('POST', '/cart/items', { token, body: { productId: product.id, quantity } }),
      (answer) => (answer.status === 201 ? true : undefined),
    );
    const amount = quantity * product.price;
    const paid = await step(
      'checkout',
      `201 paid, amount ${amount}`,
      () => call('POST', '/cart/checkout', { token, key: randomUUID(), body: { card: sandboxCard() } }),
      (answer) =>
        answer.status === 201 && answer.body.status === 'paid' && answer.body.amount === amount && typeof answer.body.chargeId === 'string'
          ? { orderId: String(answer.body.orderId), chargeId: answer.body.chargeId }
          : undefined,
    );
    await step(
      'charges',
      `200 listing charge ${paid.chargeId} once, succeeded`,
      () => call('GET', '/payment/charges', { token }),
      (answer) => {
        const items = (answer.body.items ?? []) as Array<{ id: string; status: string; amount: number }>;
        return answer.status === 200 &&
          items.length === 1 &&
          items[0]!.id === paid.chargeId &&
          items[0]!.status === 'succeeded' &&
          items[0]!.amount === amount
          ? true
          : undefined;
      },
    );
    return { steps, ...paid, amount };
  } finally {
    await agent.close();
  }
}

/** Polls until the front door answers 200, or the time is up (then the last answer is the error). */
async function waitForFrontDoor(probe: () => Promise<Answer>, waitSeconds: number): Promise<void> {
  const deadline = Date.now() + waitSeconds * 1000;
  for (;;) {
    let answer: Answer | undefined;
    let failure: unknown;
    try {
      answer = await probe();
      if (answer.status === 200) return;
    } catch (error) {
      failure = error;
    }
    if (Date.now() >= deadline)
      throw new JourneyError('front door', `200 from /user/.well-known/jwks.json within ${waitSeconds} s`, answer, failure);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/** The command: parses its arguments, runs the journey, says each step; exit code 0, 1 or 2 (usage). */
export async function journeyCommand(args: string[], write: (text: string) => void): Promise<number> {
  let values: { 'base-url'?: string; host?: string; 'wait-seconds'?: string };
  try {
    ({ values } = parseArgs({
      args,
      options: { 'base-url': { type: 'string' }, host: { type: 'string' }, 'wait-seconds': { type: 'string' } },
    }));
  } catch (error) {
    write(`${(error as Error).message}\n`);
    values = {};
  }
  const waitSeconds = Number(values['wait-seconds'] ?? '0');
  if (!values['base-url'] || !/^https?:\/\//.test(values['base-url']) || !Number.isFinite(waitSeconds) || waitSeconds < 0) {
    write('usage: npm run journey -- --base-url http://127.0.0.1:8080 [--host myshop.com] [--wait-seconds 120]\n');
    return 2;
  }
  try {
    const result = await runJourney({ baseUrl: values['base-url'], host: values.host, waitSeconds, log: (line) => write(`${line}\n`) });
    write(`journey passed: order ${result.orderId}, charge ${result.chargeId}, amount ${result.amount} (minor units)\n`);
    return 0;
  } catch (error) {
    write(`journey failed: ${(error as Error).message}\n`);
    return 1;
  }
}
