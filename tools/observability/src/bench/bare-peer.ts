/**
 * The yardstick of the database routes in `npm run bench`: the least a service could do for each
 * of them, Fastify + pg + jose and nothing else (no logging, security headers, metrics, schemas,
 * validation, error mapping). Each route verifies the bearer token as the services do (jose's
 * jwtVerify against the user service's JWKS, with their issuer, audiences, algorithms, type and
 * required claims) and sends the service's own statements, in the same order and round trips, to
 * the service's own database with a pool of the same size. test/bench/bare-peer.test.ts holds the
 * statements to the services': when a service's SQL changes, that test fails until this follows.
 *
 * Its own process, like the services; reports its port over IPC as runService does.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { ACCESS_TOKEN_TYPE, PAYMENT_AUDIENCE, SCOPES, TOKEN_ALGORITHMS } from '@myshop/auth';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import pg from 'pg';

const env = (key: string): string => {
  const value = process.env[key];
  if (!value) throw new Error(`${key} is required`);
  return value;
};

const INT8_OID = 20;
const UNIQUE_VIOLATION = '23505';
// As the services' pools: bigint amounts come back as numbers.
const types = {
  getTypeParser: ((oid: number, format?: 'text') =>
    oid === INT8_OID ? Number : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};
/** The service's database, with a pool as large as the service's (DATABASE_POOL_MAX). */
const pool = (service: string) =>
  new pg.Pool({ connectionString: env(`${service}_DATABASE_URL`), max: Number(env(`${service}_DATABASE_POOL_MAX`)), types });
const users = pool('USER');
const carts = pool('CART');
const payments = pool('PAYMENT');

const keys = createRemoteJWKSet(new URL(env('JWKS_URL')));
const issuer = env('JWT_ISSUER');
const audience = env('JWT_AUDIENCE');
const verifyOptions = (audiences: string[]) => ({
  issuer,
  audience: audiences,
  algorithms: [...TOKEN_ALGORITHMS],
  typ: ACCESS_TOKEN_TYPE,
  requiredClaims: ['sub', 'exp', 'iat', 'jti'],
  clockTolerance: 5,
});
const shopperOptions = verifyOptions([audience]);
const paymentOptions = verifyOptions([audience, PAYMENT_AUDIENCE]);
const fingerprintKey = randomUUID();

async function verified(
  request: FastifyRequest,
  reply: FastifyReply,
  options: ReturnType<typeof verifyOptions>,
): Promise<JWTPayload | undefined> {
  const token = /^Bearer +(\S+) *$/i.exec(request.headers.authorization ?? '')?.[1];
  const payload = token
    ? await jwtVerify(token, keys, options).then(
        ({ payload }) => payload,
        () => undefined,
      )
    : undefined;
  if (!payload) void reply.code(401).send({ statusCode: 401 });
  return payload;
}

const app = Fastify({ logger: false });

app.get('/user/me', async (request, reply) => {
  const token = await verified(request, reply, shopperOptions);
  if (!token) return reply;
  const { rows } = await users.query('SELECT * FROM users WHERE id = $1', [token.sub]);
  const row = rows[0];
  if (!row) return reply.code(404).send({ statusCode: 404 });
  return { id: row.id, email: row.email, name: row.name, createdAt: row.created_at.toISOString() };
});

app.get('/cart', async (request, reply) => {
  const token = await verified(request, reply, shopperOptions);
  if (!token) return reply;
  const { rows } = await carts.query(
    `SELECT ci.product_id, p.name, ci.quantity, p.price
       FROM cart_items ci JOIN products p ON p.id = ci.product_id
      WHERE ci.user_id = $1
      ORDER BY ci.added_at, ci.product_id`,
    [token.sub],
  );
  const items = rows.map((row) => ({
    productId: row.product_id,
    name: row.name,
    quantity: row.quantity,
    unitPrice: row.price,
    lineTotal: row.price * row.quantity,
  }));
  return { items, subtotal: items.reduce((sum, line) => sum + line.lineTotal, 0), currency: 'USD' };
});

interface ChargeBody {
  amount: number;
  currency: string;
  card: { number: string; cvc?: string };
  description?: string;
  metadata?: Record<string, string>;
}

/**
 * The payment service's statement for a new charge (`newChargeStatement` inside
 * `idempotency.runStatement`), copied: the service's package exports only its app, and the peer
 * must not load the platform. The charge, its answer as the API shows it and its completed
 * Idempotency-Key, in one statement and one round trip.
 */
const NEW_CHARGE = `WITH work AS (INSERT INTO charges (id, user_id, status, amount, currency, card_brand, card_last4, description, metadata, failure_code,
                                idempotency_key, request_fingerprint)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING 201 AS response_status, json_build_object(
  'id', id, 'status', status, 'amount', amount, 'amountRefunded', amount_refunded, 'currency', currency,
  'card', json_build_object('brand', card_brand, 'last4', card_last4), 'description', description,
  'metadata', metadata, 'failureCode', failure_code,
  'createdAt', to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')) AS response_body)
         INSERT INTO idempotency_keys
                (user_id, key, fingerprint, status, claim, lease_expires_at, expires_at, response_status, response_body)
         SELECT $13::text, $14::text, $15::text, 'completed', $16::uuid, now(),
                now() + make_interval(hours => $17::integer), response_status, response_body
           FROM work
         RETURNING response_status, response_body`;
const KEY_TTL_HOURS = 24;

app.post('/payment/charges', async (request, reply) => {
  const token = await verified(request, reply, paymentOptions);
  if (!token) return reply;
  if (
    ![token.aud].flat().includes(PAYMENT_AUDIENCE) ||
    !String(token.scope ?? '')
      .split(' ')
      .includes(SCOPES.charge)
  )
    return reply.code(403).send({ statusCode: 403 });
  const body = request.body as ChargeBody;
  const { cvc: _cvc, ...card } = body.card;
  const userId = String(token.sub);
  // As the service's: the operation and the body without the CVC, keyed.
  const fingerprint = createHmac('sha256', fingerprintKey)
    .update(JSON.stringify(['POST /payment/charges', { ...body, card }]))
    .digest('base64url');
  const values = [
    randomUUID(),
    userId,
    'succeeded',
    body.amount,
    body.currency,
    body.card.number.startsWith('4') ? 'visa' : 'unknown',
    body.card.number.slice(-4),
    body.description ?? null,
    JSON.stringify(body.metadata ?? {}),
    null,
    String(request.headers['idempotency-key']),
    fingerprint,
    userId,
    String(request.headers['idempotency-key']),
    fingerprint,
    randomUUID(),
    KEY_TTL_HOURS,
  ];
  // The key already there (a retry or a reuse) fails the statement with a unique violation:
  // the service then settles it; here it is a 409, as the bench sends a new key every time.
  const answer = await payments.query<{ response_status: number; response_body: unknown }>(NEW_CHARGE, values).catch((error: unknown) => {
    if ((error as { code?: string }).code === UNIQUE_VIOLATION) return undefined;
    throw error;
  });
  if (!answer) return reply.code(409).send({ statusCode: 409 });
  const row = answer.rows[0]!;
  return reply.code(row.response_status).send(row.response_body);
});

await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
const port = typeof address === 'object' && address ? address.port : 0;
process.send?.({ type: 'listening', port, metricsPort: 0 });
const close = () =>
  void app
    .close()
    .then(() => Promise.all([users.end(), carts.end(), payments.end()]))
    .then(() => process.exit(0));
process.once('SIGTERM', close);
process.once('disconnect', close);
