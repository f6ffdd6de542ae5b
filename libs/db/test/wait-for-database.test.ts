import { createServer, type AddressInfo, type Socket } from 'node:net';
import { createTestDatabase, databaseAway } from '@myshop/testing';
import { describe, expect, it, onTestFinished } from 'vitest';
import { DatabaseUnavailableAtStart, waitForDatabase } from '../src/wait-for-database.ts';

describe('waitForDatabase', () => {
  it('returns at once when the database answers', async () => {
    const database = await createTestDatabase();
    onTestFinished(() => database.drop());
    const retries: unknown[] = [];
    await waitForDatabase({ url: database.url, connectTimeoutMs: 1000, waitMs: 5000, onRetry: (failure) => retries.push(failure) });
    expect(retries).toEqual([]);
  });

  it('waits while nothing answers and returns once the database is back', async () => {
    const database = await createTestDatabase();
    onTestFinished(() => database.drop());
    const away = await databaseAway(database.url);
    const retries: Array<{ attempt: number; retryInMs: number; error: unknown }> = [];
    const waited = waitForDatabase({
      url: away.url,
      connectTimeoutMs: 500,
      waitMs: 20_000,
      onRetry: (failure) => retries.push(failure),
    });
    await new Promise((resolve) => setTimeout(resolve, 1200));
    await away.comeBack();
    const backAt = Date.now();
    await waited;
    // Within about the longest pause (1 s) of the database's return, however busy the machine.
    expect(Date.now() - backAt).toBeLessThan(5000);
    expect(retries.length).toBeGreaterThanOrEqual(2);
    expect(retries.map((retry) => retry.attempt)).toEqual(retries.map((_, index) => index + 1));
    expect((retries[0]!.error as { code?: string }).code).toBe('ECONNREFUSED');
    // Pauses double from a quarter second.
    expect(retries.slice(0, 3).map((retry) => retry.retryInMs)).toEqual([250, 500, 1000].slice(0, Math.min(3, retries.length)));
  });

  it('gives up once the wait is over, naming the wait and the last failure', async () => {
    const { url } = await databaseAway('postgres://postgres@127.0.0.1:5432/none');
    const started = Date.now();
    const waiting = waitForDatabase({ url, connectTimeoutMs: 200, waitMs: 900 });
    await expect(waiting).rejects.toThrow(DatabaseUnavailableAtStart);
    await expect(waiting).rejects.toThrow(/could not use the database for \d+ ms \(DATABASE_START_WAIT_MS\): connect ECONNREFUSED/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(850);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('does not wait out a failure no wait cures: a setting the server refuses', async () => {
    const database = await createTestDatabase();
    onTestFinished(() => database.drop());
    const url = new URL(database.url);
    url.searchParams.set('options', '-c statement_timeout=soon');
    const started = Date.now();
    const retries: unknown[] = [];
    await expect(
      waitForDatabase({ url: url.href, connectTimeoutMs: 1000, waitMs: 20_000, onRetry: (f) => retries.push(f) }),
    ).rejects.toThrow(/statement_timeout/);
    expect(retries).toEqual([]);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('fails, rather than hangs, when the driver cannot even open a socket (a port it reads as none)', async () => {
    // The driver's end() never returns for a client whose socket failed as it was made: the start
    // waited on it forever, and once nothing else was pending the process exited 0, saying nothing.
    const waiting = waitForDatabase({ url: 'postgres://postgres@127.0.0.1:5432/none?port=abc', connectTimeoutMs: 200, waitMs: 0 });
    const outcome = await Promise.race([
      waiting.then(
        () => 'connected',
        (error: NodeJS.ErrnoException) => error.code,
      ),
      new Promise<string>((hung) => setTimeout(() => hung('still waiting after 5 s'), 5000)),
    ]);
    expect(outcome).toBe('ERR_SOCKET_BAD_PORT');
  });

  it("leaves nothing behind to throw once such a start has failed (the driver's connect timer)", async () => {
    // The driver arms its connect timer before it opens the socket; once it fires, it destroys
    // the socket with an error. Left to it, that error reached no listener: an uncaught exception,
    // a moment after the start had failed, crashing what waited (a test run's worker among them).
    const uncaught: unknown[] = [];
    const record = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', record);
    onTestFinished(() => void process.off('uncaughtException', record));
    await expect(
      waitForDatabase({ url: 'postgres://postgres@127.0.0.1:5432/none?port=abc', connectTimeoutMs: 100, waitMs: 0 }),
    ).rejects.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(uncaught).toEqual([]);
  });
});

describe('waitForDatabase, against a server that does not answer', () => {
  it('waits out a connection that times out (a database host that takes the connection and says nothing), as it does a refused one', async () => {
    // Accepts the TCP connection and never answers the startup message: a hung or unreachable server.
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
    });
    silent.listen(0, '127.0.0.1');
    await new Promise((resolve) => silent.once('listening', resolve));
    onTestFinished(
      () =>
        new Promise<void>((resolve) => {
          for (const socket of sockets) socket.destroy();
          silent.close(() => resolve());
        }),
    );
    const { port } = silent.address() as AddressInfo;
    const retries: unknown[] = [];
    const started = Date.now();
    const waiting = waitForDatabase({
      url: `postgres://postgres@127.0.0.1:${port}/none`,
      connectTimeoutMs: 200,
      waitMs: 1500,
      onRetry: (failure) => retries.push(failure),
    });
    await expect(waiting).rejects.toThrow(DatabaseUnavailableAtStart);
    expect(retries.length).toBeGreaterThanOrEqual(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
  });
});
