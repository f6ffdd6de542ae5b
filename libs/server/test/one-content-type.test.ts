import { errorShapeProblems } from '@myshop/testing';
import { describe, expect, it } from 'vitest';
import { listeningNamesRoute as listening } from './fixtures/names-route.ts';

const withContentTypes = (...lines: string[]) =>
  `POST /demo/names HTTP/1.1\r\nhost: x\r\n${lines.map((line) => `${line}\r\n`).join('')}` +
  'content-length: 14\r\nconnection: close\r\n\r\n{"name":"Ada"}';

describe('repeatedContentTypeError', () => {
  it('refuses a body with two Content-Type lines with 400, instead of reading it as the first says', async () => {
    const { send, received } = await listening();
    for (const lines of [
      ['content-type: application/json', 'content-type: text/plain'],
      ['content-type: application/json', 'Content-Type: application/json'],
    ]) {
      const answer = await send(withContentTypes(...lines));
      expect(answer.statusCode, lines.join(' / ')).toBe(400);
      expect(errorShapeProblems(answer)).toEqual([]);
      expect(JSON.parse(answer.body)).toEqual({
        statusCode: 400,
        code: 'MALFORMED_REQUEST',
        error: 'Bad Request',
        message: 'A request has at most one Content-Type',
      });
    }
    expect(received).toEqual([]);
  });

  it('reads a body with one Content-Type as before', async () => {
    const { send, received } = await listening();
    const answer = await send(withContentTypes('content-type: application/json; charset=utf-8'));
    expect(answer.statusCode).toBe(200);
    expect(received).toEqual([{ name: 'Ada' }]);
  });
});
