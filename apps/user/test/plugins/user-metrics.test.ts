import { describe, expect, it } from 'vitest';
import { defaultPoolMax } from '@myshop/db';
import { buildUser, login, PASSWORD, register } from '../helpers.ts';

/** The samples of one metric as GET /metrics writes them (the metrics server serves this registry). */
async function exposition(app: Awaited<ReturnType<typeof buildUser>>['app']) {
  return app.metrics.registry.metrics();
}

describe('user metrics', () => {
  it('counts sign-ups and logins by result after a known sequence of requests', async () => {
    const { app } = await buildUser({ LOGIN_LIMIT_PER_ACCOUNT: '2' });
    const before = await exposition(app);
    expect(before).toContain('myshop_user_registrations_total{service="user"} 0');
    expect(before).toContain('myshop_logins_total{result="invalid_credentials",service="user"} 0');

    await register(app, 'ada@example.com');
    await register(app, 'bob@example.com');
    // A taken email is no new account.
    expect(
      (await app.inject({ method: 'POST', url: '/user/register', payload: { email: 'ada@example.com', password: PASSWORD, name: 'Ada' } }))
        .statusCode,
    ).toBe(409);
    await login(app, 'ada@example.com');
    const wrong = { email: 'bob@example.com', password: 'not the password' };
    for (const status of [401, 401, 429]) {
      expect((await app.inject({ method: 'POST', url: '/user/login', payload: wrong })).statusCode).toBe(status);
    }
    // Malformed: no login attempt at all.
    expect((await app.inject({ method: 'POST', url: '/user/login', payload: { email: 'x' } })).statusCode).toBe(400);

    const text = await exposition(app);
    expect(text).toContain('myshop_user_registrations_total{service="user"} 2');
    expect(text).toContain('myshop_logins_total{result="success",service="user"} 1');
    expect(text).toContain('myshop_logins_total{result="invalid_credentials",service="user"} 2');
    expect(text).toContain('myshop_logins_total{result="throttled",service="user"} 1');
    // RED, pool and query metrics of the same app, in the same registry.
    expect(text).toContain(
      'http_server_request_duration_seconds_count{service="user",method="POST",route="/user/login",status_code="401"} 2',
    );
    expect(text).toMatch(/db_query_duration_seconds_count\{service="user",operation="INSERT",outcome="ok"\} [1-9]/);
    // The pool's size when DATABASE_POOL_MAX is unset: fitted to the cores this process may use.
    expect(text).toContain(`db_pool_max_connections{service="user"} ${defaultPoolMax()}`);
    expect(text).toContain('# TYPE http_server_requests_in_flight gauge');
  });
});
