import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { changeOperator, runOperatorsCommand } from '../src/operators.ts';
import { buildUser, login, register } from './helpers.ts';

describe('operators (grant and revoke)', () => {
  it('grants the operator role to an existing account: its next login carries it; revoking takes it back', async () => {
    const { app, database } = await buildUser();
    const user = await register(app, 'ops@example.com');
    expect(decodeJwt(await login(app, 'ops@example.com')).roles).toBeUndefined();

    const db = {
      query: async (text: string, values?: unknown[]) => ({ rows: await database.query(text, values), rowCount: null }),
    } as never;
    expect(await changeOperator(db, 'grant', ' Ops@Example.com ')).toEqual({
      userId: user.id,
      email: 'ops@example.com',
      roles: ['operator'],
    });
    // Granting twice holds the role once.
    expect(await changeOperator(db, 'grant', 'ops@example.com')).toEqual({
      userId: user.id,
      email: 'ops@example.com',
      roles: ['operator'],
    });
    expect(decodeJwt(await login(app, 'ops@example.com')).roles).toEqual(['operator']);

    expect(await changeOperator(db, 'revoke', 'ops@example.com')).toEqual({ userId: user.id, email: 'ops@example.com', roles: [] });
    expect(decodeJwt(await login(app, 'ops@example.com')).roles).toBeUndefined();
  });

  it('grants nothing to an address nobody registered (no role waits for the first to claim it)', async () => {
    const { database } = await buildUser();
    const db = {
      query: async (text: string, values?: unknown[]) => ({ rows: await database.query(text, values), rowCount: null }),
    } as never;
    await expect(changeOperator(db, 'grant', 'nobody@example.com')).rejects.toThrow('no account with the email nobody@example.com');
    expect(await database.query('SELECT count(*)::int AS n FROM users')).toEqual([{ n: 0 }]);
  });

  it('never lets registration grant a role, whatever the body says', async () => {
    const { app, database } = await buildUser();
    const response = await app.inject({
      method: 'POST',
      url: '/user/register',
      payload: { email: 'x@example.com', password: 'correct horse battery', name: 'X', roles: ['operator'] },
    });
    expect(response.statusCode).toBe(400);
    expect(await database.query('SELECT count(*)::int AS n FROM users')).toEqual([{ n: 0 }]);
  });

  it('runs as a command: usage, a missing DATABASE_URL and an unknown account each end with their own exit code', async () => {
    const { app, database } = await buildUser();
    await register(app, 'ops@example.com');
    const lines: string[] = [];
    const output = { out: (line: string) => lines.push(`out: ${line}`), err: (line: string) => lines.push(`err: ${line}`) };
    expect(await runOperatorsCommand(['promote', 'ops@example.com'], database.url, output)).toBe(2);
    expect(await runOperatorsCommand(['grant'], database.url, output)).toBe(2);
    expect(await runOperatorsCommand(['grant', 'ops@example.com'], undefined, output)).toBe(2);
    expect(await runOperatorsCommand(['grant', 'nobody@example.com'], database.url, output)).toBe(1);
    expect(await runOperatorsCommand(['grant', 'ops@example.com'], database.url, output)).toBe(0);
    expect(lines).toEqual([
      'err: usage: operators grant|revoke <email>',
      'err: usage: operators grant|revoke <email>',
      'err: operators: set DATABASE_URL to the user database (npm start prints it as it starts)',
      'err: operators: no account with the email nobody@example.com',
      expect.stringMatching(/^out: granted: account [0-9a-f-]{36} <ops@example\.com> now has roles \[operator\] \(from its next login\)$/),
    ]);
  });

  it('names the account it changed as stored, and spells out look-alike characters it found no account for', async () => {
    const { app, database } = await buildUser();
    const user = await register(app, 'ops@example.com');
    const lines: string[] = [];
    const output = { out: (line: string) => lines.push(line), err: (line: string) => lines.push(line) };
    // Full-width letters and a zero-width space fold to the same email key: the same account, and
    // the operator reads which one, not just its id.
    expect(await runOperatorsCommand(['grant', 'ｏｐｓ@example.com\u200b'], database.url, output)).toBe(0);
    // A Cyrillic а (U+0430) folds to nothing ASCII: no account, and the message must not read as
    // the address that has one.
    expect(await runOperatorsCommand(['revoke', 'ops@ex\u0430mple.com'], database.url, output)).toBe(1);
    expect(lines).toEqual([
      `granted: account ${user.id} <ops@example.com> now has roles [operator] (from its next login)`,
      'operators: no account with the email ops@ex\\u{430}mple.com (characters outside ASCII are written \\u{…})',
    ]);
    expect(await database.query('SELECT roles FROM users WHERE id = $1', [user.id])).toEqual([{ roles: ['operator'] }]);
  });

  it('says on revoking that the tokens the account already holds keep the role until they expire', async () => {
    const { app, database, config } = await buildUser();
    await register(app, 'ops@example.com');
    const lines: string[] = [];
    const output = { out: (line: string) => lines.push(line), err: (line: string) => lines.push(line) };
    expect(await runOperatorsCommand(['grant', 'ops@example.com'], database.url, output)).toBe(0);
    const token = await login(app, 'ops@example.com');

    expect(await runOperatorsCommand(['revoke', 'ops@example.com'], database.url, output)).toBe(0);
    expect(lines[1]).toMatch(
      /^revoked: account [0-9a-f-]{36} <ops@example\.com> now has roles \[\] \(tokens it already holds keep the role until they expire: ACCESS_TOKEN_TTL_SECONDS at most\)$/,
    );
    // Tokens carry the roles they were issued with, and no service asks again: this one refunds until its exp.
    const claims = decodeJwt(token);
    expect(claims.roles).toEqual(['operator']);
    expect(claims.exp! - claims.iat!).toBe(config.ACCESS_TOKEN_TTL_SECONDS);
  });
});
