import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/** Requests whose client waits for a 100 Continue that was never sent: their body is not coming. */
const withheld = new WeakSet<IncomingMessage>();

/** Whether `request`'s client asked to continue and was not told to: its body will never be sent. */
export function bodyWithheld(request: IncomingMessage): boolean {
  return withheld.has(request);
}

/**
 * The server's `checkContinue` listener (a request with `Expect: 100-continue`). Node's own
 * answers 100 Continue to every such request, so a client declaring a body over `limit` was told
 * to send it only to be refused: past the drain cap the 413 went out while the body was still
 * coming, and the client's write failed before it read any answer (curl waits to continue for
 * every body over 1 MiB). As nginx does with a declared length over `client_max_body_size`, the
 * 413 comes instead of the 100 (RFC 9110 §10.1.1), on a connection that then ends: which bytes
 * the client sends next, the body or another request, is not known.
 */
export function continueWithinLimit(server: Server, limit: number) {
  return function checkContinue(request: IncomingMessage, response: ServerResponse): void {
    if (Number(request.headers['content-length']) > limit) {
      withheld.add(request);
      response.shouldKeepAlive = false;
    } else {
      response.writeContinue();
    }
    server.emit('request', request, response);
  };
}
