import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serveIssuer, type TestIssuer } from '@myshop/auth/testing';
import { forkService, serviceEntry, type ForkedService } from '@myshop/server';
import { appendToRunLog, BUSY_MACHINE_ENV, createTestDatabase, type TestDatabase } from '@myshop/testing';

/**
 * The real payment service, started the way `npm start` and Kubernetes start it: its own process
 * from its own entry point, its own fresh database, trusting the test issuer's keys through
 * JWKS_URL, found through its package. Apps never import each other, so this is how a cart test
 * meets the real thing.
 */
export async function startPaymentService(issuer: TestIssuer) {
  const database = await createTestDatabase();
  const jwks = await serveIssuer(issuer);
  const dataDir = mkdtempSync(join(tmpdir(), 'myshop-payment-'));
  const output: string[] = [];
  let service: ForkedService | undefined;
  let url = '';

  const start = async (): Promise<string> => {
    service = await forkService(serviceEntry('@myshop/payment', { from: import.meta.dirname }), {
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
        ...BUSY_MACHINE_ENV,
      },
      // Kept for a failing test's message, and in the run log the final scan reads.
      onLine: (line) => {
        output.push(`${line}\n`);
        appendToRunLog(`${line}\n`);
      },
    });
    url = `http://127.0.0.1:${service.port}`;
    return url;
  };

  /** SIGTERM, as Kubernetes sends: payment drains and exits; its address then refuses connections. */
  const stop = async (): Promise<void> => {
    await service?.stop();
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
