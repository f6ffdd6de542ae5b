import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';

export interface HangUpOptions {
  /** Headers of the call (a request id to find its log line by). */
  headers?: Record<string, string>;
}

/**
 * How long the route takes to answer once the server has seen the client go: whatever times the
 * request until its answer instead of until the client left takes at least this long (1 s, the
 * `le="1"` bucket of a duration histogram), however fast or slow the machine.
 */
export const ANSWER_AFTER_HANG_UP_MS = 1000;

/**
 * A client whose deadline runs out before the answer (cart's PAYMENT_TIMEOUT_MS, the ingress' read
 * timeout): adds `POST path` to `app`, starts `app` listening, calls the route over a real socket
 * and gives up as soon as the handler has the request; the handler answers ANSWER_AFTER_HANG_UP_MS
 * after the server has seen the connection close. Both are counted from events, not fixed times,
 * which keeps that order on a loaded machine too, where a client's first connection (or a stall of
 * the process) can take longer than any deadline short enough for a test. Resolves once the
 * handler has finished as well, its answer going nowhere, so what the app made of it all (metrics,
 * log lines) is there to read.
 */
export async function hangUpBeforeAnswer(app: FastifyInstance, path: string, options: HangUpOptions = {}): Promise<void> {
  const client = new AbortController();
  let handled!: () => void;
  const handlerDone = new Promise<void>((resolve) => (handled = resolve));
  app.post(path, async (_request, reply) => {
    const clientGone = new Promise((resolve) => reply.raw.once('close', resolve));
    client.abort();
    await clientGone;
    await sleep(ANSWER_AFTER_HANG_UP_MS);
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
