import { describe, expect, it } from 'vitest';
import { fieldTypeConflicts } from '../src/log-field-types.ts';

const json = (fields: Record<string, unknown>) =>
  JSON.stringify({ level: 30, time: '2026-11-25T13:51:19.000Z', service: 'cart', ...fields, msg: 'x' });
const ecs = (fields: Record<string, unknown>) =>
  JSON.stringify({
    '@timestamp': '2026-11-25T13:51:19.000Z',
    'log.level': 'info',
    'ecs.version': '8.10.0',
    'service.name': 'cart',
    ...fields,
    message: 'x',
  });

describe('fieldTypeConflicts', () => {
  it('finds a field that is a number in one service and a string in another, with where each was first seen', () => {
    const conflicts = fieldTypeConflicts([
      { name: 'cart.ndjson', text: `${json({ status: 500 })}\n` },
      { name: 'payment.ndjson', text: `${json({ orderId: 'a' })}\n${json({ status: 'succeeded' })}\n` },
    ]);
    expect(conflicts).toEqual([
      {
        field: 'status',
        seen: [
          { type: 'number', where: 'cart.ndjson:1' },
          { type: 'string', where: 'payment.ndjson:2' },
        ],
      },
    ]);
  });

  it('finds a field that is an object in one line and a word in another', () => {
    const text = [json({ refund: { id: 'r1', amount: 5 } }), json({ refund: 'r1' })].join('\n');
    expect(fieldTypeConflicts([{ name: 'payment.ndjson', text }]).map((conflict) => conflict.field)).toEqual(['refund']);
  });

  it.each([
    ['error as a word', json({ error: 'boom' }), 'error', 'object'],
    ['event as a word', json({ event: 'order settled' }), 'event', 'object'],
    ['url as a word', json({ url: '/cart' }), 'url', 'object'],
    ['an HTTP status as a string', ecs({ http: { response: { status_code: '200' } } }), 'http.response.status_code', 'number'],
    ['a dotted service field that is no object', ecs({ 'service.name': undefined, service: 'cart' }), 'service', 'object'],
  ])('holds the fields ECS defines to its types: %s', (_name, line, field, type) => {
    const conflicts = fieldTypeConflicts([{ name: 'cart.ndjson', text: line }]);
    expect(conflicts).toContainEqual(expect.objectContaining({ field, ecs: type }));
  });

  it("passes pino's own lines beside ECS ones, arrays of one type, nulls and lines that are no JSON", () => {
    const text = [
      json({ reqId: 'r1', req: { method: 'GET', url: '/cart' }, res: { statusCode: 200 }, err: { type: 'Error' }, responseTime: 1.5 }),
      ecs({ http: { request: { method: 'GET' }, response: { status_code: 200 } }, url: { path: '/cart' }, error: { type: 'Error' } }),
      json({ migrations: ['0001_create'], failureCode: null }),
      json({ migrations: '0002_seed', failureCode: 'card_declined' }),
      json({ published: [] }),
      'Server listening at http://127.0.0.1:3000',
      '',
    ].join('\n');
    expect(fieldTypeConflicts([{ name: 'cart.ndjson', text }])).toEqual([]);
  });
});
