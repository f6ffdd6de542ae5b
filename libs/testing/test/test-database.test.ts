import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { captureLogs, createTestDatabase } from '../src/index.ts';

describe('createTestDatabase', () => {
  it('gives each caller its own empty database and drops it afterwards', async () => {
    const first = await createTestDatabase();
    const second = await createTestDatabase();
    expect(first.name).not.toBe(second.name);
    await first.query('CREATE TABLE only_here (id int)');
    expect(await second.query("SELECT to_regclass('public.only_here') AS t")).toEqual([{ t: null }]);
    await first.drop();
    await second.drop();
    const client = new pg.Client({ connectionString: second.url.replace(`/${second.name}`, '/postgres') });
    await client.connect();
    const { rows } = await client.query('SELECT datname FROM pg_database WHERE datname = ANY($1)', [[first.name, second.name]]);
    await client.end();
    expect(rows).toEqual([]);
  });
});

describe('captureLogs', () => {
  it('keeps what a service logged, redacted like production', () => {
    const logs = captureLogs('svc');
    logs.logger.info({ password: 'hunter22' }, 'hello');
    expect(logs.lines()).toEqual([expect.objectContaining({ service: 'svc', msg: 'hello', password: '[redacted]' })]);
    expect(logs.text()).not.toContain('hunter22');
  });
});
