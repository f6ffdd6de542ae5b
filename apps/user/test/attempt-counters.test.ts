import { describe, expect, it } from 'vitest';
import { attemptCounters, blockDuration, type AttemptLimit } from '../src/attempt-counters.ts';
import { buildUser } from './helpers.ts';

const PLAIN: AttemptLimit = { max: 3, windowSeconds: 60, maxBlockSeconds: 60 };
const BACKING_OFF: AttemptLimit = { max: 2, windowSeconds: 60, maxBlockSeconds: 300 };

/** The counters of a fresh app's database, and a way to let time pass for all of them. */
async function counters() {
  const { app, database } = await buildUser();
  return {
    counters: attemptCounters(app.db),
    database,
    /** As if every window and block had ended. */
    endWindows: () => database.query(`UPDATE attempt_counters SET window_ends_at = now() - interval '1 second'`),
    /** As if `seconds` had passed for every window, block and expiry. */
    passTime: (seconds: number) =>
      database.query(
        `UPDATE attempt_counters SET window_ends_at = window_ends_at - make_interval(secs => $1), expires_at = expires_at - make_interval(secs => $1)`,
        [seconds],
      ),
    /** As if every counter had expired (its strikes forgotten), purged or not. */
    expireAll: () =>
      database.query(`UPDATE attempt_counters SET window_ends_at = now() - interval '2 seconds', expires_at = now() - interval '1 second'`),
  };
}

describe('blockDuration', () => {
  it('is one window, then doubles with each strike, up to the longest block', () => {
    expect([0, 1, 2, 3, 4, 50].map((strikes) => blockDuration(BACKING_OFF, strikes))).toEqual([60, 120, 240, 300, 300, 300]);
    expect([0, 1, 5].map((strikes) => blockDuration(PLAIN, strikes))).toEqual([60, 60, 60]);
  });
});

describe('attemptCounters', () => {
  it('allows max attempts in a window and refuses the next with the seconds left', async () => {
    const { counters: store, database } = await counters();
    const verdicts = [];
    for (let i = 0; i < 5; i += 1) verdicts.push(await store.hit({ scope: 'test', subject: 'a', limit: PLAIN }));
    expect(verdicts).toEqual([
      { allowed: true },
      { allowed: true },
      { allowed: true },
      { allowed: false, retryAfterSeconds: 60 },
      { allowed: false, retryAfterSeconds: 60 },
    ]);
    expect(await store.hit({ scope: 'test', subject: 'b', limit: PLAIN })).toEqual({ allowed: true });
    expect(await store.hit({ scope: 'other', subject: 'a', limit: PLAIN })).toEqual({ allowed: true });
    const rows = await database.query(
      'SELECT scope, hits, strikes, length(subject) AS digest_bytes FROM attempt_counters ORDER BY scope, hits',
    );
    expect(rows).toEqual([
      { scope: 'other', hits: 1, strikes: 0, digest_bytes: 32 },
      { scope: 'test', hits: 1, strikes: 0, digest_bytes: 32 },
      { scope: 'test', hits: 5, strikes: 1, digest_bytes: 32 },
    ]);
  });

  it('stops counting at max + 2, so that a flood during a long block cannot overflow the count', async () => {
    const { counters: store, database } = await counters();
    for (let i = 0; i < 8; i += 1) await store.hit({ scope: 'test', subject: 'a', limit: PLAIN });
    expect(await database.query('SELECT hits, strikes FROM attempt_counters')).toEqual([{ hits: PLAIN.max + 2, strikes: 1 }]);
    // Even a limit as large as the column, at its largest count, does not overflow.
    const huge = { max: 2 ** 31 - 1, windowSeconds: 60, maxBlockSeconds: 60 };
    await database.query(`UPDATE attempt_counters SET hits = $1`, [2 ** 31 - 1]);
    expect(await store.hit({ scope: 'test', subject: 'a', limit: huge })).toEqual({ allowed: true });
  });

  it('never allows more than max of many concurrent attempts', async () => {
    const { counters: store } = await counters();
    const limit = { max: 10, windowSeconds: 60, maxBlockSeconds: 60 };
    const verdicts = await Promise.all(Array.from({ length: 60 }, () => store.hit({ scope: 'test', subject: 'a', limit })));
    expect(verdicts.filter((verdict) => verdict.allowed)).toHaveLength(10);
  });

  it('starts a new window once the last one ended', async () => {
    const { counters: store, endWindows } = await counters();
    for (let i = 0; i < 4; i += 1) await store.hit({ scope: 'test', subject: 'a', limit: PLAIN });
    await endWindows();
    expect(await store.hit({ scope: 'test', subject: 'a', limit: PLAIN })).toEqual({ allowed: true });
  });

  it('doubles the block each time the limit is exceeded again, up to the longest, until the counter expires', async () => {
    const { counters: store, endWindows, expireAll } = await counters();
    const overTheLimit = async () => {
      const verdicts = [];
      for (let i = 0; i < BACKING_OFF.max + 1; i += 1) verdicts.push(await store.hit({ scope: 'test', subject: 'a', limit: BACKING_OFF }));
      await endWindows();
      return verdicts.at(-1);
    };
    const blocks = [];
    for (let round = 0; round < 5; round += 1) blocks.push(await overTheLimit());
    expect(blocks.map((verdict) => (verdict?.allowed === false ? verdict.retryAfterSeconds : 'allowed'))).toEqual([60, 120, 240, 300, 300]);
    await overTheLimit();
    await expireAll();
    expect(await overTheLimit()).toEqual({ allowed: false, retryAfterSeconds: 60 });
  });

  it('remembers a strike for the longest block after its block ends, however often it was hit during the block', async () => {
    const { counters: store, passTime } = await counters();
    const hit = () => store.hit({ scope: 'test', subject: 'a', limit: BACKING_OFF });
    for (let i = 0; i < 3; i += 1) await hit();
    // An attempt during the block starts no window of its own: the strike's memory stays as long.
    expect(await hit()).toMatchObject({ allowed: false });
    await passTime(61);
    for (let i = 0; i < 2; i += 1) expect(await hit()).toEqual({ allowed: true });
    expect(await hit()).toEqual({ allowed: false, retryAfterSeconds: 120 });
  });

  it('forgets a counter and its strikes on request', async () => {
    const { counters: store, database, endWindows } = await counters();
    for (let i = 0; i < 3; i += 1) await store.hit({ scope: 'test', subject: 'a', limit: BACKING_OFF });
    await endWindows();
    await store.forget('test', 'a');
    expect(await database.query('SELECT * FROM attempt_counters')).toEqual([]);
    for (let i = 0; i < 2; i += 1) expect(await store.hit({ scope: 'test', subject: 'a', limit: BACKING_OFF })).toEqual({ allowed: true });
    expect(await store.hit({ scope: 'test', subject: 'a', limit: BACKING_OFF })).toEqual({ allowed: false, retryAfterSeconds: 60 });
  });

  it('forgets only the counter it names: other subjects of the scope keep their count and strikes', async () => {
    const { counters: store, database } = await counters();
    for (let i = 0; i < 3; i += 1) await store.hit({ scope: 'test', subject: 'a', limit: BACKING_OFF });
    await store.hit({ scope: 'test', subject: 'b', limit: BACKING_OFF });
    await store.forget('test', 'b');
    expect(await database.query('SELECT hits, strikes FROM attempt_counters')).toEqual([{ hits: 3, strikes: 1 }]);
    expect(await store.hit({ scope: 'test', subject: 'a', limit: BACKING_OFF })).toEqual({ allowed: false, retryAfterSeconds: 60 });
  });

  it('keeps through a purge a counter whose block ended but which has not expired: its strikes still double the next block', async () => {
    const { counters: store, database, endWindows } = await counters();
    for (let i = 0; i < 3; i += 1) await store.hit({ scope: 'test', subject: 'a', limit: BACKING_OFF });
    await endWindows();
    expect(await store.purgeExpired()).toBe(0);
    expect(await database.query('SELECT strikes FROM attempt_counters')).toEqual([{ strikes: 1 }]);
    for (let i = 0; i < 2; i += 1) expect(await store.hit({ scope: 'test', subject: 'a', limit: BACKING_OFF })).toEqual({ allowed: true });
    expect(await store.hit({ scope: 'test', subject: 'a', limit: BACKING_OFF })).toEqual({ allowed: false, retryAfterSeconds: 120 });
  });

  it('purges expired counters only, however many', async () => {
    const { counters: store, database } = await counters();
    await store.hit({ scope: 'test', subject: 'fresh', limit: PLAIN });
    await database.query(
      `INSERT INTO attempt_counters (scope, subject, hits, window_ends_at, expires_at)
       SELECT 'test', sha256(i::text::bytea), 1, now() - interval '2 minutes', now() - interval '1 minute' FROM generate_series(1, 12000) AS i`,
    );
    expect(await store.purgeExpired()).toBe(12000);
    expect(await database.query('SELECT hits FROM attempt_counters')).toEqual([{ hits: 1 }]);
  });
});
