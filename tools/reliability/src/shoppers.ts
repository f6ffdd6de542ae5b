import { randomUUID } from 'node:crypto';
import { SANDBOX_CARDS } from '@myshop/schemas';
import type { GatewayClient } from '@myshop/devstack';

export interface Shopper {
  email: string;
  token: string;
}

export interface ProductRef {
  id: string;
  price: number;
}

export const { approved: VISA, declined: DECLINED } = SANDBOX_CARDS;

/**
 * The attempt limits of the user service (per IP) and cart's limit on declines in a row (per
 * shopper) are meant for people, not for a load generator sending everything from 127.0.0.1 and
 * declining one checkout in so many, whoever's it is: the stack under test gets these instead.
 * The defaults in apps/user/src/config.ts and apps/cart/src/config.ts stay as they are.
 */
export const LOAD_TEST_USER_LIMITS: Record<string, string> = {
  LOGIN_LIMIT_PER_IP: '100000',
  REGISTER_LIMIT_PER_IP: '100000',
  CHECKOUT_DECLINES_MAX: '100000',
};

/** Registers and logs in `count` shoppers through the gateway, a few at a time (argon2 is not free). */
export async function createShoppers(client: GatewayClient, count: number, parallel = 6): Promise<Shopper[]> {
  const shoppers: Shopper[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next += 1;
      shoppers.push(await createShopper(client, `shopper-${next}`));
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, count) }, worker));
  return shoppers;
}

/** Every shopper of the load has this password. */
const PASSWORD = 'correct horse battery';

export async function createShopper(client: GatewayClient, name: string): Promise<Shopper> {
  const email = `${name}-${randomUUID()}@example.com`;
  const registered = await client.call('POST', '/user/register', { body: { email, password: PASSWORD, name } });
  if (registered.status !== 201) throw new Error(`register answered ${registered.status}: ${JSON.stringify(registered.body)}`);
  return { email, token: await login(client, email) };
}

/** A new access token for a shopper of the load (after an operator role was granted, say). */
export async function login(client: GatewayClient, email: string): Promise<string> {
  const answer = await client.call<{ accessToken: string }>('POST', '/user/login', { body: { email, password: PASSWORD } });
  if (answer.status !== 200) throw new Error(`login answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return answer.body.accessToken;
}

/** The whole public catalogue, page by page. */
export async function readCatalogue(client: GatewayClient): Promise<ProductRef[]> {
  const products: ProductRef[] = [];
  let cursor: string | null = null;
  do {
    const page: { status: number; body: { items: ProductRef[]; nextCursor: string | null } } = await client.call(
      'GET',
      `/cart/products?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    if (page.status !== 200) throw new Error(`GET /cart/products answered ${page.status}`);
    products.push(...page.body.items.map(({ id, price }) => ({ id, price })));
    cursor = page.body.nextCursor;
  } while (cursor);
  return products;
}
