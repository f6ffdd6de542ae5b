import { randomUUID } from 'node:crypto';
import { corsAllowedOrigins, pageLimitProblems, securityHeaderProblems, writeReliabilityFigure } from '@myshop/testing';
import { describe, expect, it } from 'vitest';
import { buildPayment, chargeBody, createCharge } from '../helpers.ts';

describe('payment over HTTP', () => {
  it('answers with headers fit for a JSON API: success, error and unknown routes alike', async () => {
    const { app, signIn } = await buildPayment();
    const user = await signIn();
    const answers = [
      await createCharge(app, user),
      await app.inject({ url: '/payment/charges', headers: user.headers }),
      await app.inject({ url: '/payment/charges' }),
      await createCharge(app, user, { amount: 'x' }),
      await app.inject({ url: '/payment/nowhere' }),
    ];
    expect(answers.map((answer) => answer.statusCode)).toEqual([201, 200, 401, 400, 404]);
    expect(answers.flatMap(securityHeaderProblems)).toEqual([]);
  });

  it('keeps CORS closed by default and opens it to exactly the configured origins', async () => {
    const closed = await buildPayment();
    const open = await buildPayment({ env: { CORS_ORIGINS: 'https://shop.example' } });
    const answers = await corsAllowedOrigins({
      closed: closed.app,
      open: open.app,
      allowedOrigin: 'https://shop.example',
      preflightUrl: '/payment/charges',
      url: '/payment/charges',
    });
    expect(answers).toStrictEqual({
      closedPreflight: undefined,
      closedRead: undefined,
      allowedRead: 'https://shop.example',
      foreignRead: undefined,
    });
  });

  it('refuses a body over BODY_LIMIT_BYTES with 413 in the error shape, charging nothing', async () => {
    const { app, signIn, database } = await buildPayment({ env: { BODY_LIMIT_BYTES: '2048' } });
    const user = await signIn();
    const over = await createCharge(app, user, chargeBody({ description: 'x'.repeat(3000) }));
    expect(over.statusCode).toBe(413);
    expect(over.json()).toMatchObject({ statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE' });
    const under = await createCharge(app, user, chargeBody({ description: 'x'.repeat(400) }), randomUUID());
    expect(under.statusCode).toBe(201);
    expect(await database.query('SELECT count(*)::int AS charges FROM charges')).toEqual([{ charges: 1 }]);
  });

  it('caps page sizes at 100 on the charges list', async () => {
    const { app, signIn } = await buildPayment();
    const user = await signIn();
    const { problems, requests } = await pageLimitProblems(app, ['/payment/charges'], user.headers);
    expect(problems).toEqual([]);
    writeReliabilityFigure({
      check: 'page size cap payment',
      load: `${requests} list requests`,
      figure: 'limit > 100 → 400 on /payment/charges',
      target: 'limit ≤ 100',
      pass: true,
    });
  });
});
