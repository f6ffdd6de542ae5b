import { connect } from 'node:net';
import type { ResponseLike } from '../hostile/response-checks.ts';

/**
 * Writes bytes no HTTP client library would send (a malformed Content-Length, a header line with
 * no colon…) and reads the answer until the server closes the connection: what a server says to
 * a request its HTTP parser refuses. Header names are lower-cased; the body is the raw text.
 */
export function sendRawHttp(port: number, raw: string | Buffer, host = '127.0.0.1'): Promise<ResponseLike> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, host, () => socket.write(raw));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      const [statusLine = '', ...lines] = (split < 0 ? text : text.slice(0, split)).split('\r\n');
      const headers = Object.fromEntries(
        lines.map((line) => [line.slice(0, line.indexOf(':')).trim().toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
      );
      resolve({ statusCode: Number(statusLine.split(' ')[1]), headers, body: split < 0 ? '' : text.slice(split + 4) });
    });
  });
}
