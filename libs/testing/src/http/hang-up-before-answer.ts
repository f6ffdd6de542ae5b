import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';

export interface HangUpOptions {
  /** Headers of the call (a request id to find its log line by). */
  headers?: Record<string, string>;
}

/** How long the route takes to answer once the client has given up on it. */
const ANSWER_AFTER_MS = 300;

/**
 * A client whose deadline runs out before the answer (cart's PAYMENT_TIMEOUT_MS, the ingress' read
 * timeout): adds `POST path` to `app`, starts `app` listening, calls the route over a real socket
 * and gives up as soon as the handler has the request, 300 ms before it answers. Giving up when
 * the request has arrived, not after a fixed time, keeps that order on a loaded machine too, where
 * a client's first connection can take longer than any deadline short enough for a test. Resolves
 * once the handler has finished as well, its answer going nowhere, so what the app made of it all
 * (metrics, log lines) is there to read.
 */
export async function hangUpBeforeAnswer(app: FastifyInstance, path: string, options: HangUpOptions = {}): Promise<void> {
  const client = new AbortController();
  let handled!: () => void;
  const handlerDone = new Promise<void>((resolve) => (handled = resolve));
  app.post(path, async () => {
    client.abort();
    await sleep(ANSWER_AFTER_MS);
    // Once the answer has been sent into the closed connection.
    setTimeout(handled, 50);
    return { ok: true };
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  const failure = await fetch(`http://127.0.0.1:${port}${path}`, {
    method: 'POST',
    body: '{}',
    headers: { 'content-type': 'application/json', ...options.headers },
    signal: client.signal,
  }).then(
    () => new Error(`POST ${path} was answered before the client gave up`),
    (error: unknown) => (client.signal.aborted ? undefined : error),
  );
  if (failure) throw failure;
  await handlerDone;
}
