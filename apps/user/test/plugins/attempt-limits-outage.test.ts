import { buildTestApp } from '@myshop/testing';
import { describe, expect, it } from 'vitest';
import { buildUserApp } from '../../src/app.ts';
import { cuttableDatabase } from '../cuttable-database.ts';
import { loginFrom, PASSWORD, register, registerFrom, userConfig } from '../helpers.ts';

/** The user service whose database connection can be cut. */
async function buildUserWithCuttableDatabase(env: Record<string, string>) {
  const config = userConfig(env);
  let relay: Awaited<ReturnType<typeof cuttableDatabase>> | undefined;
  const built = await buildTestApp('user', async ({ databaseUrl, logger }) => {
    relay = await cuttableDatabase(databaseUrl);
    return buildUserApp({ config, logger, databaseUrl: relay.url });
  });
  return { ...built, relay: relay! };
}

const UNAVAILABLE = {
  statusCode: 503,
  code: 'SERVICE_UNAVAILABLE',
  error: 'Service Unavailable',
  message: 'The database is unavailable, try again shortly.',
};

describe('attempt limits while the database is unavailable', () => {
  it('answer logins and sign-ups 503 with Retry-After, let no attempt through uncounted, and count again once it is back', async () => {
    const { app, database, relay } = await buildUserWithCuttableDatabase({ LOGIN_LIMIT_PER_ACCOUNT: '2' });
    await register(app);
    relay.cut();
    const answers = [];
    for (let i = 0; i < 5; i += 1) answers.push(await loginFrom(app, '203.0.113.7', 'ada@example.com', i === 4 ? PASSWORD : undefined));
    answers.push(await registerFrom(app, '203.0.113.7', 'grace@example.com'));
    for (const answer of answers) {
      expect(answer.statusCode).toBe(503);
      expect(answer.headers['retry-after']).toBe('1');
      expect(answer.json()).toEqual(UNAVAILABLE);
    }
    // Only Ada's own sign-up, from before the outage, was counted.
    expect(await database.query('SELECT scope, hits FROM attempt_counters ORDER BY scope')).toEqual([
      { scope: 'register:account', hits: 1 },
      { scope: 'register:address', hits: 1 },
    ]);

    relay.restore();
    const guess = () => loginFrom(app, '203.0.113.7', 'ada@example.com');
    expect([(await guess()).statusCode, (await guess()).statusCode, (await guess()).statusCode]).toEqual([401, 401, 429]);
    expect(await database.query(`SELECT email FROM users`)).toEqual([{ email: 'ada@example.com' }]);
  });

  it('logs a purge that failed and lets the next one run, without throwing', async () => {
    const { app, relay, logs } = await buildUserWithCuttableDatabase({});
    relay.cut();
    await expect(app.attemptLimits.purgeExpired()).resolves.toBeUndefined();
    expect(logs.lines().some((line) => line.msg === 'purging expired attempt counters failed' && line.level === 40)).toBe(true);
  });
});
