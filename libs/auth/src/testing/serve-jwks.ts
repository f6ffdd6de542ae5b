import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ServedJwks {
  /** Where the key set is served, as JWKS_URL names it: `http://127.0.0.1:<port>/user/.well-known/jwks.json`. */
  url: URL;
  /** How many times the key set was asked for so far. */
  requests(): number;
  close(): Promise<void>;
}

/**
 * A key set served over HTTP as the user service serves it, for a verifier that fetches it: the
 * JSON `keys()` gives at the moment of each request (so a test may rotate keys), or 503 while it
 * gives `undefined` (the user service down). Close it when done.
 */
export async function serveJwks(keys: () => unknown): Promise<ServedJwks> {
  let requests = 0;
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url !== '/user/.well-known/jwks.json') return response.writeHead(404).end();
    requests += 1;
    Promise.resolve()
      .then(keys)
      .then(
        (body) => {
          if (body === undefined) return response.writeHead(503).end();
          response.writeHead(200, { 'content-type': 'application/json' }).end(typeof body === 'string' ? body : JSON.stringify(body));
        },
        () => response.writeHead(503).end(),
      );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/user/.well-known/jwks.json`),
    requests: () => requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
