import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';

export interface HangUpOptions {
  /** Headers of the call (a request id to find its log line by). */
  headers?: Record<string, string>;
}

/** How long the route takes to answer, and how soon the client gives up: it always gives up first. */
const ANSWER_AFTER_MS = 300;
const HANG_UP_AFTER_MS = 100;

/**
 * A client whose deadline runs out before the answer (cart's PAYMENT_TIMEOUT_MS, the ingress' read
 * timeout): adds `POST path` to `app`, answering after 300 ms, starts `app` listening, calls the route
 * over a real socket and gives up after 100 ms. Resolves once the handler has finished as well, its
 * answer going nowhere, so what the app made of it all (metrics, log lines) is there to read.
 */
export async function hangUpBeforeAnswer(app: FastifyInstance, path: string, options: HangUpOptions = {}): Promise<void> {
  let handled!: () => void;
  const handlerDone = new Promise<void>((resolve) => (handled = resolve));
  app.post(path, async () => {
    await sleep(ANSWER_AFTER_MS);
    // Once the answer has been sent into the closed connection.
    setTimeout(handled, 50);
    return { ok: true };
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  const call = fetch(`http://127.0.0.1:${port}${path}`, {
    method: 'POST',
    body: '{}',
    headers: { 'content-type': 'application/json', ...options.headers },
    signal: AbortSignal.timeout(HANG_UP_AFTER_MS),
  });
  const answered = await call.then(
    () => true,
    () => false,
  );
  if (answered) throw new Error(`POST ${path} was answered before the client gave up`);
  await handlerDone;
}
