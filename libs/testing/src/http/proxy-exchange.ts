import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** What one connection carried back, written to as a proxy writes. */
export interface ProxyExchange {
  /** Raw bytes of every answer received on the connection. */
  received: string;
  /** `EPIPE`, `ECONNRESET`… from a write or the socket; undefined when none. */
  error?: string;
}

/**
 * Writes `parts` (a delay before each, when given) on one connection as a proxy such as nginx
 * forwards a request: the whole body before the answer is read, half-open so it keeps writing
 * after the server has answered. Reads until the server closes the connection or `answers`
 * answers have arrived. A server that answers and closes while the body is still coming makes a
 * write fail here (EPIPE, ECONNRESET): what a proxy turns into its own 502.
 */
export function exchangeLikeAProxy(
  port: number,
  parts: Array<string | Buffer>,
  options: { delayMs?: number; answers?: number } = {},
): Promise<ProxyExchange> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    let received = '';
    let error: string | undefined;
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (options.answers && received.split('HTTP/1.1 ').length - 1 >= options.answers && /\r\n\r\n[\s\S]*\}$/.test(received)) socket.end();
    });
    socket.on('error', (failure: NodeJS.ErrnoException) => {
      error ??= failure.code ?? failure.message;
    });
    socket.on('close', () => resolve({ received, error }));
    socket.on('connect', async () => {
      for (const part of parts) {
        await sleep(options.delayMs ?? 0);
        if (socket.destroyed) return;
        socket.write(part, (failure) => {
          if (failure) error ??= (failure as NodeJS.ErrnoException).code ?? failure.message;
        });
      }
      if (!options.answers) socket.end();
    });
  });
}

/** Each answer in `received`: its status, its header block (lower-cased) and its JSON body. */
export function answersOf(received: string): Array<{ status: number; headers: string; json: unknown }> {
  return received
    .split(/(?=HTTP\/1\.1 \d{3} )/)
    .filter(Boolean)
    .map((answer) => {
      const [headers = '', rest = ''] = answer.split('\r\n\r\n');
      return {
        status: Number(headers.slice(9, 12)),
        headers: headers.toLowerCase(),
        json: rest ? JSON.parse(rest.replace(/^[0-9a-f]+\r\n|\r\n0\r\n\r\n$/g, '')) : undefined,
      };
    });
}

/** `data` in pieces of `size` bytes, as a proxy forwards a buffered body. */
export function pieces(data: Buffer, size: number): Buffer[] {
  return Array.from({ length: Math.ceil(data.length / size) }, (_, index) => data.subarray(index * size, (index + 1) * size));
}

/** `data` in chunked transfer coding, in pieces of `size` bytes. */
export function chunked(data: Buffer, size: number): Buffer[] {
  return [
    ...pieces(data, size).map((piece) => Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')])),
    Buffer.from('0\r\n\r\n'),
  ];
}
