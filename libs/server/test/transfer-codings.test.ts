import { gzipSync } from 'node:zlib';
import { errorShapeProblems } from '@myshop/testing';
import { describe, expect, it } from 'vitest';
import { listeningNamesRoute as listening } from './fixtures/names-route.ts';

/** A POST of `body` in one chunk under `transferEncoding`. */
function chunked(transferEncoding: string, body: Buffer): Buffer {
  const head =
    `POST /demo/names HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ntransfer-encoding: ${transferEncoding}\r\n` +
    `connection: close\r\n\r\n${body.length.toString(16)}\r\n`;
  return Buffer.concat([Buffer.from(head), body, Buffer.from('\r\n0\r\n\r\n')]);
}

describe('unknownTransferCodingError', () => {
  it('answers a body under a transfer coding other than chunked with 501, instead of reading its bytes as JSON', async () => {
    const { send, received } = await listening();
    for (const codings of ['gzip, chunked', 'deflate,chunked', 'x-custom , chunked']) {
      const answer = await send(chunked(codings, gzipSync('{"name":"Ada"}')));
      expect(answer.statusCode, codings).toBe(501);
      expect(errorShapeProblems(answer)).toEqual([]);
      expect(JSON.parse(answer.body)).toEqual({
        statusCode: 501,
        code: 'TRANSFER_CODING_NOT_IMPLEMENTED',
        error: 'Not Implemented',
        message: 'A body is taken plain or chunked, under no other transfer coding',
      });
    }
    expect(received).toEqual([]);
  });

  it('reads a chunked body as before, whatever the case of the coding', async () => {
    const { send, received } = await listening();
    for (const codings of ['chunked', 'Chunked']) {
      expect((await send(chunked(codings, Buffer.from('{"name":"Ada"}')))).statusCode, codings).toBe(200);
    }
    expect(received).toEqual([{ name: 'Ada' }, { name: 'Ada' }]);
  });
});
