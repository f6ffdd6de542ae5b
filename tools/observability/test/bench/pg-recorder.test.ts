import { createTestDatabase, type TestDatabase } from '@myshop/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { frontendReader, startPgRecorder } from '../../src/bench/pg-recorder.ts';

function message(type: string, payload: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.write(type, 0);
  header.writeInt32BE(payload.length + 4, 1);
  return Buffer.concat([header, payload]);
}

describe('frontendReader', () => {
  it('skips the SSL request and startup message, then splits typed messages across chunks', () => {
    const seen: string[] = [];
    const read = frontendReader((type, payload) => seen.push(`${type}:${payload.toString('utf8').replaceAll('\0', '|')}`));
    const ssl = Buffer.alloc(8);
    ssl.writeInt32BE(8, 0);
    ssl.writeInt32BE(80877103, 4);
    const startup = Buffer.alloc(12);
    startup.writeInt32BE(12, 0);
    startup.writeInt32BE(196608, 4);
    const stream = Buffer.concat([ssl, startup, message('Q', Buffer.from('BEGIN\0')), message('S', Buffer.alloc(0))]);
    for (let at = 0; at < stream.length; at += 3) read(stream.subarray(at, at + 3));
    expect(seen).toEqual(['Q:BEGIN|', 'S:']);
  });
});

describe('startPgRecorder', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
  });

  it('records statements and round trips of a client going through it', async () => {
    const recorder = await startPgRecorder(database.url);
    const client = new pg.Client({ connectionString: recorder.url });
    try {
      await client.connect();
      recorder.take();
      await client.query('BEGIN');
      await client.query('SELECT $1::int AS one', [1]);
      await client.query('COMMIT');
      expect(recorder.take()).toEqual({ statements: ['BEGIN', 'SELECT $1::int AS one', 'COMMIT'], roundTrips: 3 });
      expect(recorder.take()).toEqual({ statements: [], roundTrips: 0 });
    } finally {
      await client.end();
      await recorder.close();
    }
  });
});
