import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { serveIssuer, type TestIssuer } from '@myshop/auth/testing';
import { appendToRunLog, createTestDatabase, type TestDatabase } from '@myshop/testing';

/**
 * The real payment service, started the way `npm start` and Kubernetes start it: its own process
 * from its own entry point, its own fresh database, trusting the test issuer's keys through
 * JWKS_URL. Apps never import each other, so this is how a cart test meets the real thing.
 */
export async function startPaymentService(issuer: TestIssuer) {
  const database = await createTestDatabase();
  const jwks = await serveIssuer(issuer);
  const dataDir = mkdtempSync(join(tmpdir(), 'myshop-payment-'));
  const output: string[] = [];
  let child: ChildProcess | undefined;
  let url = '';

  const start = async (): Promise<string> => {
    const entry = resolve(import.meta.dirname, '../../payment/src/server.ts');
    child = fork(entry, [], {
      execArgv: ['--conditions=@myshop/source'],
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        LOG_LEVEL: 'warn',
        HOST: '127.0.0.1',
        PORT: url ? new URL(url).port : '0',
        METRICS_HOST: '127.0.0.1',
        METRICS_PORT: '0',
        DATA_DIR: dataDir,
        DATABASE_URL: database.url,
        JWKS_URL: jwks.jwksUrl,
        JWT_ISSUER: issuer.issuer,
        JWT_AUDIENCE: issuer.audience,
        OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    // Kept for a failing test's message, and in the run log the final scan reads.
    for (const stream of [child.stdout, child.stderr]) {
      stream?.on('data', (chunk: Buffer) => {
        output.push(String(chunk));
        appendToRunLog(String(chunk));
      });
    }
    const started = child;
    const port = await new Promise<number>((resolveListening, reject) => {
      started.on('message', (message: { type?: string; port?: number }) => {
        if (message?.type === 'listening' && message.port) resolveListening(message.port);
      });
      started.once('exit', (code) => reject(new Error(`payment exited during start-up (code ${code}):\n${output.join('')}`)));
    });
    url = `http://127.0.0.1:${port}`;
    return url;
  };

  /** SIGTERM, as Kubernetes sends: payment drains and exits; its address then refuses connections. */
  const stop = async (): Promise<void> => {
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = once(running, 'exit');
    running.kill('SIGTERM');
    await exited;
  };

  await start();
  return {
    get url() {
      return url;
    },
    database: database as TestDatabase,
    /** Everything the process printed (warnings and errors only), for a failing test's message. */
    output: () => output.join(''),
    stop,
    /** Starts it again on the same port and database, as a restarted pod behind the same Service. */
    restart: start,
    async close() {
      await stop();
      await jwks.close();
      await database.drop();
    },
  };
}

export type PaymentService = Awaited<ReturnType<typeof startPaymentService>>;
