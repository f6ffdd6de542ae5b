import { describe, expect, it } from 'vitest';
import { buildUser } from '../helpers.ts';

describe('POST /user/register', () => {
  it('creates an account and returns its profile without the password', async () => {
    const { app, database } = await buildUser();
    const response = await app.inject({
      method: 'POST',
      url: '/user/register',
      payload: { email: '  Alice@Example.com ', password: 'correct horse', name: 'Alice' },
    });
    expect(response.statusCode).toBe(201);
    const body = response.json();
    expect(body).toEqual({ id: expect.any(String), email: 'Alice@Example.com', name: 'Alice', createdAt: expect.any(String) });
    const rows = await database.query('SELECT email, password_hash FROM users');
    expect(rows).toHaveLength(1);
    expect(rows[0]!.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });
});
