/**
 * The attempt limits as a hostile tester meets them: several replicas of the service on one
 * database, hammered at once, restarted, and flooded with strangers' attempts.
 */
import { writeReliabilityFigure } from '@myshop/testing';
import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { buildUser, loginFrom, PASSWORD, register } from '../helpers.ts';

/** `count` wrong-password attempts at once, spread round-robin over `replicas`; the statuses. */
async function hammer(
  replicas: FastifyInstance[],
  count: number,
  attempt: (app: FastifyInstance, index: number) => Promise<{ statusCode: number }>,
) {
  const answers = await Promise.all(Array.from({ length: count }, (_, index) => attempt(replicas[index % replicas.length]!, index)));
  return answers.map((answer) => answer.statusCode);
}

const answered = (statuses: number[]) => statuses.filter((status) => status !== 429).length;

describe('attempt limits across replicas', () => {
  it('let no more attempts through three replicas at once than the configured limits', async () => {
    // The defaults: 10 per account and address, 10 per account from unknown addresses.
    const { app, replica, config } = await buildUser();
    await register(app, 'ada@example.com');
    await register(app, 'grace@example.com');
    const replicas = [app, await replica(), await replica()];

    const fromOneAddress = await hammer(replicas, 30, (target) => loginFrom(target, '203.0.113.7', 'ada@example.com'));
    const fromManyAddresses = await hammer(replicas, 30, (target, index) =>
      loginFrom(target, `198.51.100.${index + 1}`, 'grace@example.com'),
    );
    expect(fromOneAddress.filter((status) => status !== 401 && status !== 429)).toEqual([]);
    expect(fromManyAddresses.filter((status) => status !== 401 && status !== 429)).toEqual([]);
    expect(answered(fromOneAddress)).toBe(config.LOGIN_LIMIT_PER_ACCOUNT);
    expect(answered(fromManyAddresses)).toBe(config.LOGIN_LIMIT_PER_ACCOUNT_UNKNOWN_ADDRESSES);

    writeReliabilityFigure({
      check: 'login limit across 3 replicas',
      load: '30 concurrent wrong passwords for one account over 3 app instances on one database, from 1 address, then from 30',
      figure: `${answered(fromOneAddress)} answered before 429 from 1 address (LOGIN_LIMIT_PER_ACCOUNT ${config.LOGIN_LIMIT_PER_ACCOUNT}); ${answered(fromManyAddresses)} from 30 addresses (LOGIN_LIMIT_PER_ACCOUNT_UNKNOWN_ADDRESSES ${config.LOGIN_LIMIT_PER_ACCOUNT_UNKNOWN_ADDRESSES})`,
      target: '≤ the configured limit',
      pass:
        answered(fromOneAddress) <= config.LOGIN_LIMIT_PER_ACCOUNT &&
        answered(fromManyAddresses) <= config.LOGIN_LIMIT_PER_ACCOUNT_UNKNOWN_ADDRESSES,
    });
  });

  it('keep their counts when a replica restarts', async () => {
    const { app, replica } = await buildUser({ LOGIN_LIMIT_PER_ACCOUNT: '3' });
    await register(app);
    const first = await replica();
    expect((await loginFrom(first, '203.0.113.7', 'ada@example.com')).statusCode).toBe(401);
    expect((await loginFrom(first, '203.0.113.7', 'ada@example.com')).statusCode).toBe(401);
    await first.close();

    const restarted = await replica();
    expect((await loginFrom(restarted, '203.0.113.7', 'ada@example.com')).statusCode).toBe(401);
    expect((await loginFrom(restarted, '203.0.113.7', 'ada@example.com', PASSWORD)).statusCode).toBe(429);
  });

  it("let the owner log in from an address they used before while strangers' addresses are throttled on every replica", async () => {
    const { app, replica, config } = await buildUser();
    await register(app);
    const replicas = [app, await replica(), await replica()];
    expect((await loginFrom(replicas[1]!, '192.0.2.10', 'ada@example.com', PASSWORD)).statusCode).toBe(200);

    const strangers = await hammer(replicas, 40, (target, index) => loginFrom(target, `203.0.113.${index + 1}`, 'ada@example.com'));
    const strangerWithPassword = await loginFrom(replicas[0]!, '203.0.113.200', 'ada@example.com', PASSWORD);
    const owner = await Promise.all(replicas.map((target) => loginFrom(target, '192.0.2.10', 'ada@example.com', PASSWORD)));
    expect(strangerWithPassword.statusCode).toBe(429);
    expect(owner.map((answer) => answer.statusCode)).toEqual([200, 200, 200]);
    // The owner's own first login was one of the attempts from an address then unknown.
    expect(answered(strangers)).toBe(config.LOGIN_LIMIT_PER_ACCOUNT_UNKNOWN_ADDRESSES - 1);

    writeReliabilityFigure({
      check: 'owner login while throttled elsewhere',
      load: `40 concurrent wrong passwords for one account from 40 addresses over 3 replicas (LOGIN_LIMIT_PER_ACCOUNT_UNKNOWN_ADDRESSES ${config.LOGIN_LIMIT_PER_ACCOUNT_UNKNOWN_ADDRESSES}), then the right password`,
      figure: `strangers: ${answered(strangers)} answered, ${strangers.length - answered(strangers)} × 429, the right password from a new address 429; owner from a known address: ${owner.map((answer) => answer.statusCode).join(', ')}`,
      target: 'owner 200 on every replica while unknown addresses get 429',
      pass: strangerWithPassword.statusCode === 429 && owner.every((answer) => answer.statusCode === 200),
    });
  });

  it('cannot be reset by a stranger filling the counters: no eviction, however many', async () => {
    const { app, replica, database } = await buildUser({ LOGIN_LIMIT_PER_ACCOUNT: '2' });
    await register(app);
    const replicas = [app, await replica()];
    const guess = (target: FastifyInstance) => loginFrom(target, '203.0.113.7', 'ada@example.com');
    expect([(await guess(app)).statusCode, (await guess(app)).statusCode, (await guess(app)).statusCode]).toEqual([401, 401, 429]);

    // A stranger's attempts on other accounts from other addresses, and many more counters than
    // an in-memory LRU of 5,000 entries would keep.
    await hammer(replicas, 100, (target, index) => loginFrom(target, `10.${index >> 8}.${index & 255}.1`, `someone${index}@example.com`));
    await database.query(
      `INSERT INTO attempt_counters (scope, subject, hits, window_ends_at, expires_at)
       SELECT 'login:address', sha256(i::text::bytea), 1, now() + interval '1 minute', now() + interval '1 minute' FROM generate_series(1, 20000) AS i`,
    );
    const [{ counters }] = (await database.query<{ counters: number }>('SELECT count(*)::int AS counters FROM attempt_counters')) as [
      { counters: number },
    ];
    expect(counters).toBeGreaterThan(20_000);
    expect((await guess(replicas[1]!)).statusCode).toBe(429);
    expect((await loginFrom(replicas[1]!, '203.0.113.7', 'ada@example.com', PASSWORD)).statusCode).toBe(429);
  });
});
