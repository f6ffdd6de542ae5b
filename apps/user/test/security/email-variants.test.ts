/**
 * Spellings of one address that a person (or an attacker) can type: each must reach the same
 * account and the same attempt counters, and none may open a second account.
 */
import { writeReliabilityFigure } from '@myshop/testing';
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { buildUser, loginFrom, PASSWORD, register, registerFrom } from '../helpers.ts';

const ADDRESS = 'iris.kessler@example.com';

const VARIANTS: Array<[string, string]> = [
  ['case', 'IRIS.Kessler@EXAMPLE.COM'],
  ['spaces around', '  iris.kessler@example.com\t'],
  ['no-break spaces around', '\u00a0iris.kessler@example.com\u00a0'],
  ['capital I with dot', 'İris.kessler@example.com'],
  ['dotless i', 'ırıs.kessler@example.com'],
  ['sharp s', 'iris.keßler@example.com'],
  ['capital sharp s', 'IRIS.KEẞLER@example.com'],
  ['full-width letters', 'ｉｒｉｓ．ｋｅｓｓｌｅｒ＠ｅｘａｍｐｌｅ．ｃｏｍ'],
  ['a zero-width space', 'iris.kes\u200bsler@example.com'],
  ['a zero-width joiner, soft hyphen and BOM', 'i\u200dris.kes\u00adsler@example.com\ufeff'],
  ['the Kelvin sign', 'iris.\u212Aessler@example.com'],
  ['long s', 'iris.keſſler@example.com'],
];

describe('variants of one email address', () => {
  it("are all refused at sign-up, all counted on the account's one counter at login, and log in to it only with the right password", async () => {
    const { app, database } = await buildUser({ LOGIN_LIMIT_PER_ACCOUNT: '100', LOGIN_LIMIT_PER_ACCOUNT_UNKNOWN_ADDRESSES: '100' });
    const iris = await register(app, ADDRESS);

    const signUps = [];
    for (const [, variant] of VARIANTS) signUps.push((await registerFrom(app, '192.0.2.1', variant)).statusCode);
    // Those the form takes are the taken address (409); the others are not addresses it takes at all (400).
    expect(
      signUps.every((status) => status === 409 || status === 400),
      signUps.join(),
    ).toBe(true);
    expect(signUps.slice(0, 3)).toEqual([409, 409, 409]);
    expect(await database.query('SELECT id, email FROM users')).toEqual([{ id: iris.id, email: ADDRESS }]);

    const guesses = [];
    for (const [, variant] of VARIANTS) guesses.push((await loginFrom(app, '203.0.113.7', variant)).statusCode);
    expect(guesses).toEqual(VARIANTS.map(() => 401));
    const counters = await database.query<{ scope: string; hits: number }>(
      `SELECT scope, hits FROM attempt_counters WHERE scope LIKE 'login:account%' ORDER BY scope`,
    );
    expect(counters).toEqual([
      { scope: 'login:account+address', hits: VARIANTS.length },
      { scope: 'login:account:unknown-addresses', hits: VARIANTS.length },
    ]);

    const owners = [];
    for (const [, variant] of VARIANTS) {
      const answer = await loginFrom(app, '198.51.100.1', variant, PASSWORD);
      expect(answer.statusCode, variant).toBe(200);
      owners.push(decodeJwt(answer.json().accessToken).sub);
    }
    expect(new Set(owners)).toEqual(new Set([iris.id]));

    const refused = signUps.filter((status) => status !== 201).length;
    const counted = counters.every((counter) => counter.hits === VARIANTS.length) ? VARIANTS.length : 0;
    writeReliabilityFigure({
      check: 'email variants refused',
      load: `${VARIANTS.length} spellings of one address (${VARIANTS.map(([name]) => name).join(', ')})`,
      figure: `${refused}/${VARIANTS.length} refused at sign-up (${signUps.filter((status) => status === 409).length} × 409, ${signUps.filter((status) => status === 400).length} × 400); ${counted}/${VARIANTS.length} counted on the account's counters at login`,
      target: 'all refused, all on the same counters',
      pass: refused === VARIANTS.length && counted === VARIANTS.length,
    });
  });

  it('cannot start a fresh count: once an account is throttled for an address, every spelling is too', async () => {
    const { app } = await buildUser({ LOGIN_LIMIT_PER_ACCOUNT: '3' });
    await register(app, ADDRESS);
    for (let i = 0; i < 3; i += 1) expect((await loginFrom(app, '203.0.113.7', ADDRESS)).statusCode).toBe(401);
    for (const [, variant] of VARIANTS) {
      expect((await loginFrom(app, '203.0.113.7', variant, PASSWORD)).statusCode, variant).toBe(429);
    }
  });
});
