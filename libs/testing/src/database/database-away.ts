import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import { onTestFinished } from 'vitest';
import { freePort } from '../http/free-port.ts';

export interface DatabaseAway {
  /** `url` through a port nothing listens on yet: connections are refused until `comeBack`. */
  url: string;
  /** From now on the port leads to the real database. */
  comeBack(): Promise<void>;
}

/**
 * A database that is away and comes back when the test says: a start during a failover, a node
 * restart or a namespace starting all at once.
 */
export async function databaseAway(url: string): Promise<DatabaseAway> {
  const target = new URL(url);
  const port = await freePort();
  const away = new URL(url);
  away.hostname = '127.0.0.1';
  away.port = String(port);
  return {
    url: away.href,
    async comeBack() {
      const relay = createServer((socket) => {
        const upstream = connect(Number(target.port || 5432), target.hostname);
        socket.pipe(upstream).pipe(socket);
        socket.on('error', () => upstream.destroy());
        upstream.on('error', () => socket.destroy());
      });
      relay.listen(port, '127.0.0.1');
      await once(relay, 'listening');
      onTestFinished(() => new Promise<void>((resolve) => relay.close(() => resolve())));
    },
  };
}
