import { once } from 'node:events';
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createTestDatabase } from '@myshop/testing';
import { PG_MIGRATE_LOCK_ID } from 'node-pg-migrate';
import pg from 'pg';
import { describe, expect, it, onTestFinished } from 'vitest';
import { appliedMigrations, createDatabase, isDatabaseUnavailable, isUniqueViolation, runMigrations } from '../src/index.ts';

const migrationsDir = fileURLToPath(new URL('./fixtures/migrations/', import.meta.url));

/** The fixture migrations in a folder of this test's own, which it may add files to; removed after it. */
function copyOfMigrations(): string {
  const dir = mkdtempSync(join(tmpdir(), 'migrations-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  for (const file of readdirSync(migrationsDir)) copyFileSync(join(migrationsDir, file), join(dir, file));
  return dir;
}

async function migratedDatabase() {
  const testDatabase = await createTestDatabase();
  onTestFinished(() => testDatabase.drop());
  await runMigrations({ url: testDatabase.url, dir: migrationsDir });
  const database = createDatabase({ url: testDatabase.url, poolMax: 4 });
  onTestFinished(() => database.close());
  return { testDatabase, database };
}

describe('runMigrations', () => {
  it('applies each versioned file once, in order', async () => {
    const testDatabase = await createTestDatabase();
    onTestFinished(() => testDatabase.drop());
    expect(await runMigrations({ url: testDatabase.url, dir: migrationsDir })).toEqual(['0001_create_things', '0002_add_note']);
    expect(await runMigrations({ url: testDatabase.url, dir: migrationsDir })).toEqual([]);
    const columns = await testDatabase.query<{ column_name: string }>(
      "SELECT column_name FROM information_schema.columns WHERE table_name = 'things' ORDER BY ordinal_position",
    );
    expect(columns.map((column) => column.column_name)).toEqual(['id', 'name', 'amount', 'note']);
  });

  it('tells which migrations a database records, none on a new one', async () => {
    const testDatabase = await createTestDatabase();
    onTestFinished(() => testDatabase.drop());
    expect(await appliedMigrations(testDatabase.url)).toEqual([]);
    await runMigrations({ url: testDatabase.url, dir: migrationsDir });
    expect(await appliedMigrations(testDatabase.url)).toEqual(['0001_create_things', '0002_add_note']);
  });

  it('leaves no connection open once it resolves, so a database dropped at once ends none', async () => {
    // A connection still open when DROP DATABASE … WITH (FORCE) runs is ended by the server with
    // an error event; unheard, it would crash the process.
    for (let round = 0; round < 5; round += 1) {
      const testDatabase = await createTestDatabase();
      await runMigrations({ url: testDatabase.url, dir: migrationsDir });
      const others = await testDatabase.query<{ connections: number }>(
        'SELECT count(*)::int AS connections FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
      );
      await testDatabase.drop();
      expect(others).toEqual([{ connections: 0 }]);
    }
  });

  it('leaves a database that records exactly its files alone, and migrates or refuses any other difference', async () => {
    const testDatabase = await createTestDatabase();
    onTestFinished(() => testDatabase.drop());
    const dir = copyOfMigrations();
    expect(await runMigrations({ url: testDatabase.url, dir })).toEqual(['0001_create_things', '0002_add_note']);
    // A new file is applied; a dot-file is not a migration.
    writeFileSync(join(dir, '0003_add_flag.sql'), 'ALTER TABLE things ADD COLUMN flag boolean;');
    writeFileSync(join(dir, '.0004_editor_swap.sql'), 'not sql');
    expect(await runMigrations({ url: testDatabase.url, dir })).toEqual(['0003_add_flag']);
    expect(await runMigrations({ url: testDatabase.url, dir })).toEqual([]);
    // A new file older than one already run: refused by the order check, not a silent pass.
    writeFileSync(join(dir, '0002a_late.sql'), 'ALTER TABLE things ADD COLUMN late boolean;');
    await expect(runMigrations({ url: testDatabase.url, dir })).rejects.toThrow(/0002a_late/);
  });

  it('keeps starting after a migration recorded under another time zone: the record is read in the order it was written', async () => {
    // node-pg-migrate records `run_on` as a timestamp without time zone, now() in the session's
    // TimeZone: here the database's zone set after the first migrations (a DST change, a server
    // or role default) makes the next one look hours older than those before it.
    const testDatabase = await createTestDatabase();
    onTestFinished(() => testDatabase.drop());
    const dir = copyOfMigrations();
    await runMigrations({ url: testDatabase.url, dir });
    const [database] = await testDatabase.query<{ name: string }>('SELECT current_database() AS name');
    await testDatabase.query(`ALTER DATABASE "${database!.name}" SET timezone TO 'America/Los_Angeles'`);
    writeFileSync(join(dir, '0003_add_flag.sql'), 'ALTER TABLE things ADD COLUMN flag boolean;');
    expect(await runMigrations({ url: testDatabase.url, dir })).toEqual(['0003_add_flag']);
    // The next start, and the next migration after it.
    expect(await runMigrations({ url: testDatabase.url, dir })).toEqual([]);
    writeFileSync(join(dir, '0004_add_tag.sql'), 'ALTER TABLE things ADD COLUMN tag text;');
    expect(await runMigrations({ url: testDatabase.url, dir })).toEqual(['0004_add_tag']);
  });

  it('lets replicas starting together migrate once: the others wait on the lock', async () => {
    const testDatabase = await createTestDatabase();
    onTestFinished(() => testDatabase.drop());
    const runs = await Promise.all([1, 2, 3].map(() => runMigrations({ url: testDatabase.url, dir: migrationsDir })));
    expect(runs.flat().sort()).toEqual(['0001_create_things', '0002_add_note']);
    const applied = await testDatabase.query('SELECT name FROM schema_migrations');
    expect(applied).toHaveLength(2);
  });
});

describe('runMigrations beside live traffic', () => {
  /** A copy of the fixtures plus a migration that needs an exclusive lock on `things`. */
  function migrationsAltering(): string {
    const dir = copyOfMigrations();
    writeFileSync(join(dir, '0003_add_flag.sql'), 'ALTER TABLE things ADD COLUMN flag boolean;');
    return dir;
  }

  /** A session reading `things` in a transaction it keeps open (a report, a reconcile): it holds ACCESS SHARE. */
  async function longReader(url: string) {
    const reader = new pg.Client({ connectionString: url });
    await reader.connect();
    onTestFinished(() => reader.end());
    await reader.query('BEGIN');
    await reader.query('SELECT count(*) FROM things');
    return reader;
  }

  it('gives up a lock it cannot have at once instead of queueing every query of the table behind it', async () => {
    const { testDatabase, database } = await migratedDatabase();
    const dir = migrationsAltering();
    const reader = await longReader(testDatabase.url);

    const migrating = runMigrations({ url: testDatabase.url, dir, lockTimeoutMs: 300 });
    const settled = migrating.then(
      () => 'migrated',
      (error: Error) => error.message,
    );
    // Meanwhile the service reads the table as usual: it must not wait behind the migration.
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Queued behind the ALTER, it would wait until the reader ends and fail at its statement timeout.
    await expect(database.query('SELECT count(*)::int AS n FROM things')).resolves.toMatchObject({ rows: [{ n: 0 }] });
    expect(await settled).toMatch(/lock timeout/);
    expect(await testDatabase.query('SELECT name FROM schema_migrations')).toHaveLength(2);

    // Once the reader is done, the next start applies it.
    await reader.query('COMMIT');
    expect(await runMigrations({ url: testDatabase.url, dir, lockTimeoutMs: 300 })).toEqual(['0003_add_flag']);
  });

  it('frees the tables it locked when its client is cut off mid-migration (a partition, a node lost)', async () => {
    const { testDatabase, database } = await migratedDatabase();
    const dir = migrationsAltering();
    // The ALTER holds its exclusive lock while the migration goes on; the sleep is where the cut comes.
    writeFileSync(join(dir, '0003_add_flag.sql'), 'ALTER TABLE things ADD COLUMN flag boolean; SELECT pg_sleep(0.5);');
    const proxy = await partitionableProxy(new URL(testDatabase.url));
    // Never answered once cut off: it ends with the proxy's sockets, after the test.
    void runMigrations({ url: proxy.url, dir, idleInTransactionTimeoutMs: 300 }).catch(() => undefined);
    await expect
      .poll(
        async () =>
          testDatabase.query(
            "SELECT 1 FROM pg_stat_activity WHERE query LIKE '%pg_sleep(0.5)%' AND state = 'active' AND pid <> pg_backend_pid()",
          ),
        {
          timeout: 10_000,
        },
      )
      .toHaveLength(1);
    // From here nothing passes either way: the server finishes the statement and waits, idle in
    // the migration's transaction, for a client that is gone.
    proxy.partition();

    // The replicas still serving read the table again once the server gave up on that session,
    // not when TCP keepalive notices hours later; nothing of the migration stays.
    await expect(database.query('SELECT count(*)::int AS n FROM things')).resolves.toMatchObject({ rows: [{ n: 0 }] });
    expect(await testDatabase.query('SELECT name FROM schema_migrations')).toHaveLength(2);
  });

  it('still waits as long as it takes for another replica migrating', async () => {
    const testDatabase = await createTestDatabase();
    onTestFinished(() => testDatabase.drop());
    // Another replica's migrations hold node-pg-migrate's lock for longer than the lock timeout.
    const other = new pg.Client({ connectionString: testDatabase.url });
    await other.connect();
    onTestFinished(() => other.end());
    await other.query('SELECT pg_advisory_lock($1)', [PG_MIGRATE_LOCK_ID]);
    const migrating = runMigrations({ url: testDatabase.url, dir: migrationsDir, lockTimeoutMs: 100 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    await other.query('SELECT pg_advisory_unlock($1)', [PG_MIGRATE_LOCK_ID]);
    expect(await migrating).toEqual(['0001_create_things', '0002_add_note']);
  });
});

describe('createDatabase', () => {
  it('returns bigint amounts as numbers', async () => {
    const { database } = await migratedDatabase();
    await database.query('INSERT INTO things (name, amount) VALUES ($1, $2)', ['big', 99_999_999_999]);
    const { rows } = await database.query<{ amount: number }>('SELECT amount FROM things');
    expect(rows[0]!.amount).toBe(99_999_999_999);
  });

  it('commits a transaction that resolves and rolls back one that throws', async () => {
    const { database, testDatabase } = await migratedDatabase();
    await database.transaction(async (client) => {
      await client.query("INSERT INTO things (name) VALUES ('kept')");
    });
    await expect(
      database.transaction(async (client) => {
        await client.query("INSERT INTO things (name) VALUES ('half-written')");
        throw new Error('failed after the first write');
      }),
    ).rejects.toThrow('failed after the first write');
    expect(await testDatabase.query('SELECT name FROM things')).toEqual([{ name: 'kept' }]);
  });

  it('recognises a unique violation by constraint', async () => {
    const { database } = await migratedDatabase();
    await database.query("INSERT INTO things (name) VALUES ('once')");
    const error = await database.query("INSERT INTO things (name) VALUES ('once')").catch((caught: unknown) => caught);
    expect(isUniqueViolation(error)).toBe(true);
    expect(isUniqueViolation(error, 'things_name_key')).toBe(true);
    expect(isUniqueViolation(error, 'other_key')).toBe(false);
  });

  it('turns an unreachable server into a 503 the client may retry', async () => {
    const database = createDatabase({ url: 'postgres://nobody@127.0.0.1:1/none', poolMax: 1, connectionTimeoutMs: 500 });
    onTestFinished(() => database.close());
    const error = (await database.query('SELECT 1').catch((caught: unknown) => caught)) as {
      statusCode?: number;
      code?: string;
      cause?: unknown;
    };
    expect(error.statusCode).toBe(503);
    expect(error.code).toBe('SERVICE_UNAVAILABLE');
    expect(isDatabaseUnavailable(error.cause)).toBe(true);
    const inTransaction = (await database.transaction(async () => 1).catch((caught: unknown) => caught)) as { statusCode?: number };
    expect(inTransaction.statusCode).toBe(503);
  });

  it('survives the server ending a connection between two statements of a transaction: 503, no crash', async () => {
    const { database, testDatabase } = await migratedDatabase();
    const lost: Error[] = [];
    const watched = createDatabase({ url: testDatabase.url, poolMax: 2, onPoolError: (error) => void lost.push(error) });
    onTestFinished(() => watched.close());
    const error = (await watched
      .transaction(async (client) => {
        const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        // What a fast shutdown of the server does to every session: FATAL 57P01, between our statements.
        await database.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
        for (let waited = 0; lost.length === 0 && waited < 10_000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
        await client.query("INSERT INTO things (name) VALUES ('never')");
      })
      .catch((caught: unknown) => caught)) as { statusCode?: number };
    expect(lost[0]).toMatchObject({ code: '57P01' });
    expect(error.statusCode).toBe(503);
    // The broken connection was thrown away, not handed to the next caller.
    expect((await watched.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    expect(await testDatabase.query("SELECT name FROM things WHERE name = 'never'")).toEqual([]);
  });

  it('survives a server that ends a new connection in the very read that makes it ready: 503, no crash', async () => {
    // A fast shutdown racing a new connection: ReadyForQuery and FATAL 57P01 arrive in one read,
    // before any code awaiting the connection runs again.
    const server = createServer((socket) => {
      socket.once('data', () =>
        socket.end(
          Buffer.concat([authenticationOk(), readyForQuery(), fatal('57P01', 'terminating connection due to administrator command')]),
        ),
      );
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const lost: Error[] = [];
    const { port } = server.address() as AddressInfo;
    const database = createDatabase({
      url: `postgres://nobody@127.0.0.1:${port}/none`,
      poolMax: 1,
      onPoolError: (error) => void lost.push(error),
    });
    onTestFinished(() => database.close());
    const error = (await database.transaction(async () => 'never').catch((caught: unknown) => caught)) as { statusCode?: number };
    expect(error.statusCode).toBe(503);
    expect(lost[0]).toMatchObject({ code: '57P01' });
  });

  it('turns a database the server does not know (renamed, dropped) into a 503', async () => {
    const { testDatabase } = await migratedDatabase();
    const url = new URL(testDatabase.url);
    url.pathname = '/no_such_database_here';
    const missing = createDatabase({ url: url.href, poolMax: 1 });
    onTestFinished(() => missing.close());
    const error = (await missing.query('SELECT 1').catch((caught: unknown) => caught)) as {
      statusCode?: number;
      cause?: { code?: string };
    };
    expect(error.cause?.code).toBe('3D000');
    expect(error.statusCode).toBe(503);
  });

  it('turns a statement that ran past the statement timeout (stuck behind a lock) into a 503', async () => {
    const { testDatabase } = await migratedDatabase();
    const impatient = createDatabase({ url: testDatabase.url, poolMax: 1, statementTimeoutMs: 200 });
    onTestFinished(() => impatient.close());
    const error = (await impatient.query('SELECT pg_sleep(2)').catch((caught: unknown) => caught)) as {
      statusCode?: number;
      cause?: { code?: string };
    };
    expect(error.cause?.code).toBe('57014');
    expect(error.statusCode).toBe(503);
  });

  it('turns a server that stops answering (a partition, a frozen host) into a 503 within the statement timeout', async () => {
    // Takes the connection and the statements, answers none: no statement_timeout can end them.
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.once('data', () => socket.write(Buffer.concat([authenticationOk(), readyForQuery()])));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    onTestFinished(() => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    });
    const { port } = server.address() as AddressInfo;
    const database = createDatabase({
      url: `postgres://nobody@127.0.0.1:${port}/none`,
      poolMax: 1,
      statementTimeoutMs: 200,
      connectionTimeoutMs: 300,
    });
    onTestFinished(() => database.close());
    const noAnswer = (work: Promise<unknown>) =>
      Promise.race([work.catch((caught: unknown) => caught), new Promise((resolve) => setTimeout(resolve, 3000, 'no answer in 3 s'))]);

    expect(await noAnswer(database.query('SELECT 1'))).toMatchObject({ statusCode: 503 });
    expect(await noAnswer(database.transaction((client) => client.query('SELECT 1')))).toMatchObject({ statusCode: 503 });
    // The connections left waiting for an answer were thrown away, not handed to the next caller.
    expect(database.pool.totalCount).toBe(0);
  });

  it('frees the locks of a transaction whose client was cut off (a partition) within the statement timeout', async () => {
    const { testDatabase } = await migratedDatabase();
    await testDatabase.query("INSERT INTO things (name) VALUES ('held')");
    const proxy = await partitionableProxy(new URL(testDatabase.url));
    const cutOff = createDatabase({ url: proxy.url, poolMax: 1, statementTimeoutMs: 200, connectionTimeoutMs: 300 });
    onTestFinished(() => cutOff.close());
    const error = await cutOff
      .transaction(async (client) => {
        await client.query("SELECT * FROM things WHERE name = 'held' FOR UPDATE");
        // From here nothing passes either way, not even the client's goodbye: the server still
        // holds the session, idle in its transaction, with the row locked.
        proxy.partition();
        await client.query('SELECT 1');
      })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ statusCode: 503 });

    // Another request for the row (a retry of the same checkout on another replica) gets it once
    // the server has given up on the lost session, not when TCP keepalive notices hours later.
    const other = createDatabase({ url: testDatabase.url, poolMax: 1, statementTimeoutMs: 3000 });
    onTestFinished(() => other.close());
    const updated = await other
      .query("UPDATE things SET amount = 1 WHERE name = 'held'")
      .then((result) => result.rowCount)
      .catch((caught: unknown) => caught);
    expect(updated).toBe(1);
  });

  it.each([
    ['a refused password', '28P01'],
    ['a refused role', '28000'],
    ['a deadlock', '40P01'],
    ['a serialization failure', '40001'],
    ['a lock not available', '55P03'],
    ['a disk full', '53100'],
    ['the database being dropped', '57P04'],
    ["the database's host unreachable (its node down)", 'EHOSTUNREACH'],
    ["the database's network unreachable", 'ENETUNREACH'],
  ])('counts %s (%s) as the database unavailable', (_name, code) => {
    expect(isDatabaseUnavailable(Object.assign(new Error('from the server'), { code }))).toBe(true);
  });

  it("counts a Client's connect timeout (a server that takes the connection and never answers) as the database unavailable", () => {
    expect(isDatabaseUnavailable(new Error('timeout expired'))).toBe(true);
  });

  it.each([
    ['a syntax error', '42601'],
    ['a check violation', '23514'],
    ['a value out of range', '22003'],
  ])('leaves %s (%s) a bad statement', (_name, code) => {
    expect(isDatabaseUnavailable(Object.assign(new Error('from the server'), { code }))).toBe(false);
  });

  it('leaves a bad query a bad query, not an outage', async () => {
    const { database } = await migratedDatabase();
    const error = await database.query('SELECT * FROM no_such_table').catch((caught: unknown) => caught);
    expect(isDatabaseUnavailable(error)).toBe(false);
    expect((error as { code?: string }).code).toBe('42P01');
  });
});

/** PostgreSQL protocol messages (backend → frontend), just enough to play a server going away. */
function message(type: string, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.write(type, 0, 'ascii');
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}
const authenticationOk = () => message('R', Buffer.from([0, 0, 0, 0]));
const readyForQuery = () => message('Z', Buffer.from('I'));
const fatal = (code: string, text: string) =>
  message('E', Buffer.concat([Buffer.from(`SFATAL\0VFATAL\0C${code}\0M${text}\0`), Buffer.from([0])]));

/**
 * A TCP proxy to `target` that, once partitioned, passes nothing either way and never closes the
 * server's side: what a network partition leaves the server with.
 */
async function partitionableProxy(target: URL): Promise<{ url: string; partition(): void }> {
  let partitioned = false;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(Number(target.port || 5432), target.hostname);
    sockets.add(client).add(upstream);
    client.on('data', (chunk) => void (partitioned || upstream.write(chunk)));
    upstream.on('data', (chunk) => void (partitioned || client.write(chunk)));
    client.on('close', () => void (partitioned || upstream.destroy()));
    upstream.on('close', () => void (partitioned || client.destroy()));
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  onTestFinished(() => {
    for (const socket of sockets) socket.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const url = new URL(target);
  url.hostname = '127.0.0.1';
  url.port = String((server.address() as AddressInfo).port);
  return { url: url.href, partition: () => void (partitioned = true) };
}
