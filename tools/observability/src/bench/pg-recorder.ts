import { connect, createServer, type Socket } from 'node:net';

/** What one client sent PostgreSQL through the recorder. */
export interface RecordedTraffic {
  /** Statement texts in the order sent: simple Query messages and Parse messages of the extended protocol. */
  statements: string[];
  /**
   * Waits for the server: each simple Query, and each Sync that closes a Parse/Bind/Execute
   * batch (node-postgres sends one per parameterised query). What a request pays in latency.
   */
  roundTrips: number;
}

export interface PgRecorder {
  /** The URL to give a client instead of `upstream`: same credentials and database, through the recorder. */
  url: string;
  /** Everything recorded since the last `take` (or the start), then forgotten. */
  take(): RecordedTraffic;
  close(): Promise<void>;
}

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;

/**
 * A TCP relay in front of PostgreSQL that reads what clients send (never what the server
 * answers) and records statements and round trips: a count of what reaches the wire, whatever
 * the client's own bookkeeping says.
 */
export async function startPgRecorder(upstream: string): Promise<PgRecorder> {
  const target = new URL(upstream);
  let traffic: RecordedTraffic = { statements: [], roundTrips: 0 };
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstreamSocket = connect(Number(target.port || 5432), target.hostname);
    for (const socket of [client, upstreamSocket]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => (socket === client ? upstreamSocket : client).destroy());
    }
    upstreamSocket.pipe(client);
    const reader = frontendReader((type, payload) => {
      if (type === 'Q') {
        traffic.statements.push(cString(payload, 0));
        traffic.roundTrips += 1;
      } else if (type === 'P') {
        // Parse: the statement's name, then its text.
        const nameEnd = payload.indexOf(0);
        traffic.statements.push(cString(payload, nameEnd + 1));
      } else if (type === 'S') {
        traffic.roundTrips += 1;
      }
    });
    client.on('data', (chunk: Buffer) => {
      reader(chunk);
      upstreamSocket.write(chunk);
    });
    client.on('end', () => upstreamSocket.end());
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const address = server.address();
  const url = new URL(upstream);
  url.hostname = '127.0.0.1';
  url.port = String(typeof address === 'object' && address ? address.port : 0);
  return {
    url: url.href,
    take() {
      const taken = traffic;
      traffic = { statements: [], roundTrips: 0 };
      return taken;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * Splits a client's stream into messages: untyped ones first (SSL or GSS requests, then the
 * startup message), typed ones (a letter and a length) after.
 */
export function frontendReader(onMessage: (type: string, payload: Buffer) => void): (chunk: Buffer) => void {
  let buffered = Buffer.alloc(0);
  let started = false;
  return (chunk) => {
    buffered = Buffer.concat([buffered, chunk]);
    for (;;) {
      if (!started) {
        if (buffered.length < 8) return;
        const length = buffered.readInt32BE(0);
        if (buffered.length < length) return;
        const code = buffered.readInt32BE(4);
        if (code !== SSL_REQUEST && code !== GSSENC_REQUEST) started = true;
        buffered = buffered.subarray(length);
        continue;
      }
      if (buffered.length < 5) return;
      const length = buffered.readInt32BE(1);
      if (buffered.length < 1 + length) return;
      onMessage(String.fromCharCode(buffered[0]!), buffered.subarray(5, 1 + length));
      buffered = buffered.subarray(1 + length);
    }
  };
}

function cString(buffer: Buffer, start: number): string {
  const end = buffer.indexOf(0, start);
  return buffer.toString('utf8', start, end === -1 ? buffer.length : end);
}
