import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';

/**
 * A port of 127.0.0.1 that was free a moment ago and that nothing listens on now: where a test
 * wants a connection refused (a dependency away), or a port to start a server of its own on.
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
