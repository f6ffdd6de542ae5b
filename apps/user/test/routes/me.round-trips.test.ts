import { statementsSent } from '@myshop/testing';
import { describe, expect, it } from 'vitest';
import { buildUser, login, register } from '../helpers.ts';

describe('GET /user/me round trips to the database', () => {
  it('reads the profile in one statement', async () => {
    const { app } = await buildUser();
    await register(app);
    const headers = { authorization: `Bearer ${await login(app)}` };
    const before = await statementsSent(app);

    const response = await app.inject({ method: 'GET', url: '/user/me', headers });

    expect(response.statusCode).toBe(200);
    expect((await statementsSent(app)) - before).toBe(1);
  });
});
