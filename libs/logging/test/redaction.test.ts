import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { censorSecrets, censorUrl, createLogger } from '../src/index.ts';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger({ service: 'test', level: 'info', destination }), text: () => lines.join('') };
}

describe('createLogger', () => {
  it('writes JSON lines carrying the service name', () => {
    const { logger, text } = capture();
    logger.info({ orderId: 'o-1' }, 'order paid');
    expect(JSON.parse(text())).toMatchObject({ service: 'test', orderId: 'o-1', msg: 'order paid', level: 30 });
  });

  it('censors credentials, passwords and card data wherever they sit', () => {
    const { logger, text } = capture();
    logger.info({
      req: { headers: { authorization: 'Bearer eyJhbGciOi.secret.token', cookie: 'session=abc123' } },
      body: { email: 'a@b.co', password: 'hunter2-password', card: { number: '4242424242424242', cvc: '123' } },
      password: 'top-level-password',
      payment: { card: { number: '4000000000000002', cvc: '987' } },
      result: { accessToken: 'eyJ.access.token' },
    });
    const line = text();
    // Every field but the clock, whose milliseconds may read like the CVC (…:48.987Z).
    const { time, ...fields } = JSON.parse(line) as { time: unknown; body: { email: string } };
    expect(time).toEqual(expect.any(String));
    const written = JSON.stringify(fields);
    for (const secret of [
      'eyJhbGciOi.secret.token',
      'abc123',
      'hunter2-password',
      '4242424242424242',
      'top-level-password',
      '4000000000000002',
      '987',
      'eyJ.access.token',
    ]) {
      expect(written).not.toContain(secret);
    }
    expect(written).toContain('[redacted]');
    expect(fields.body.email).toBe('a@b.co');
  });

  it('censors them at any depth, in arrays, whatever the case of the field name', () => {
    const { logger, text } = capture();
    logger.info({
      order: { payment: { method: { card: { number: '4242424242424242' } } } },
      attempts: [
        {
          request: {
            headers: {
              Authorization: 'Bearer eyJ.deep.token',
              'Proxy-Authorization': 'Basic dXNlcjpwYXNz',
              Cookie: 'sid=request-cookie',
              'Set-Cookie': 'sid=deep-cookie',
            },
          },
        },
      ],
      body: { credentials: [{ newPassword: 'deep-new-password', CVC: '321' }] },
      // A card's number outside a `card` field, grouped as typed: the field name alone says it.
      charge: { number: '4242 4242 4242 4242', expiry: '12/30' },
    });
    const line = JSON.parse(text());
    expect(line.order.payment.method.card).toBe('[redacted]');
    expect(line.attempts[0].request.headers).toEqual({
      Authorization: '[redacted]',
      'Proxy-Authorization': '[redacted]',
      Cookie: '[redacted]',
      'Set-Cookie': '[redacted]',
    });
    expect(line.body.credentials[0]).toEqual({ newPassword: '[redacted]', CVC: '[redacted]' });
    expect(line.charge).toEqual({ number: '[redacted]', expiry: '12/30' });
  });

  it('censors a field however the words of its name are joined, and under the other names of a password', () => {
    const { logger, text } = capture();
    logger.info({
      headers: { 'x-api-key': 'opaque-key-1', 'x-auth-token': 'opaque-token-2' },
      query: { 'access-token': 'opaque-token-3', new_password: 'hunter2-new', passwd: 'hunter2-old', pwd: 'hunter2-pwd' },
    });
    const written = text();
    for (const secret of ['opaque-key-1', 'opaque-token-2', 'opaque-token-3', 'hunter2-new', 'hunter2-old', 'hunter2-pwd']) {
      expect(written).not.toContain(secret);
    }
  });

  it('censors a parsed query string and a prototype-less object like an object literal', () => {
    const { logger, text } = capture();
    // As fast-querystring (Fastify's query parser) makes them: an instance of a prototype-less prototype.
    const query = Object.assign(Object.create(Object.create(null) as object) as object, { password: 'query-password', limit: '5' });
    const dictionary = Object.assign(Object.create(null) as object, { token: 'opaque-token', page: '2' });
    logger.info({ query, dictionary });
    const line = JSON.parse(text());
    expect(line.query).toEqual({ password: '[redacted]', limit: '5' });
    expect(line.dictionary).toEqual({ token: '[redacted]', page: '2' });
  });

  it("censors an error's own properties, and the bindings of a child logger", () => {
    const { logger, text } = capture();
    const error = Object.assign(new Error('payment refused'), { request: { body: { card: { cvc: '555' } } }, token: 'eyJ.error.token' });
    logger.child({ reqId: 'r-1', accessToken: 'eyJ.binding.token' }).error({ err: error }, 'failed');
    const line = JSON.parse(text());
    expect(line).toMatchObject({
      reqId: 'r-1',
      accessToken: '[redacted]',
      err: { type: 'Error', message: 'payment refused', token: '[redacted]', request: { body: { card: '[redacted]' } } },
    });
    expect(line.err.stack).toContain('payment refused');
  });

  it("leaves the logged objects as they were: only the line's copy is censored", () => {
    const { logger } = capture();
    const body = { email: 'a@b.co', card: { number: '4242424242424242' } };
    const logged = { body, note: 'kept' };
    logger.info(logged);
    expect(logged).toEqual({ body: { email: 'a@b.co', card: { number: '4242424242424242' } }, note: 'kept' });
    expect(logged.body).toBe(body);
  });

  it('writes a cycle as [Circular] rather than the uncensored original', () => {
    const { logger, text } = capture();
    const payment: Record<string, unknown> = { cvc: '777' };
    payment.self = payment;
    logger.info({ payment });
    expect(JSON.parse(text()).payment).toEqual({ cvc: '[redacted]', self: '[Circular]' });
  });
});

describe('censorUrl', () => {
  it('censors the values of sensitive query parameters and keeps every other byte', () => {
    expect(censorUrl('/user/login?password=hunter2&next=%2Fcart')).toBe('/user/login?password=[redacted]&next=%2Fcart');
    expect(censorUrl('/user/oauth/token?client_secret=s3cret&client_secret=again')).toBe(
      '/user/oauth/token?client_secret=[redacted]&client_secret=[redacted]',
    );
    expect(censorUrl('/x?a=1&Access_Token=eyJ.t.s&b&subject_token=eyJ.u.v')).toBe(
      '/x?a=1&Access_Token=[redacted]&b&subject_token=[redacted]',
    );
    // OAuth's names censor a value that looks like nothing (an opaque token), not only a JWT.
    expect(censorUrl('/user/oauth/token?grant_type=refresh_token&refresh_token=opaque1&subject_token=opaque2&actor_token=opaque3')).toBe(
      '/user/oauth/token?grant_type=refresh_token&refresh_token=[redacted]&subject_token=[redacted]&actor_token=[redacted]',
    );
  });

  it('reads names as a server decodes them, and survives malformed escapes', () => {
    expect(censorUrl('/x?pass%77ord=hunter2')).toBe('/x?pass%77ord=[redacted]');
    expect(censorUrl('/x?%E0%A4%A=1&token=abc')).toBe('/x?%E0%A4%A=1&token=[redacted]');
  });

  it('reads names as a field: spaces around them and brackets after them do not hide them', () => {
    expect(censorUrl('/x?%20Password%20=a&password[]=b&password%5B0%5D=c&id_token=d&api_key=e')).toBe(
      '/x?%20Password%20=[redacted]&password[]=[redacted]&password%5B0%5D=[redacted]&id_token=[redacted]&api_key=[redacted]',
    );
  });

  it('censors a sensitive field nested in a name, as a form names it: user[password], user.password', () => {
    // An HTML form sent as a GET (a form's default method) puts its fields in the query, named
    // as the framework that made the form nests them.
    expect(censorUrl('/user/login?user[email]=ada%40example.com&user[password]=hunter2&auth.client_secret=s3cret')).toBe(
      '/user/login?user[email]=ada%40example.com&user[password]=[redacted]&auth.client_secret=[redacted]',
    );
    expect(censorUrl('/x?credentials%5Baccess_token%5D=opaque1&a[b][pwd]=opaque2&page[size]=20')).toBe(
      '/x?credentials%5Baccess_token%5D=[redacted]&a[b][pwd]=[redacted]&page[size]=20',
    );
  });

  it('censors a sensitive name however its words are joined: access-token, api-key, client-secret', () => {
    expect(censorUrl('/cart/products?access-token=opaque1&api-key=opaque2&client-secret=s3cret&X-Api-Key=opaque3&limit=20')).toBe(
      '/cart/products?access-token=[redacted]&api-key=[redacted]&client-secret=[redacted]&X-Api-Key=[redacted]&limit=20',
    );
    expect(censorUrl('/x?refreshtoken=opaque4&auth-token=opaque5&session_id=opaque6')).toBe(
      '/x?refreshtoken=[redacted]&auth-token=[redacted]&session_id=[redacted]',
    );
  });

  it('censors a password under the other names clients give it: passwd, pwd, passphrase', () => {
    expect(censorUrl('/user/login?passwd=hunter2&pwd=hunter3&passphrase=correct%20horse&next=%2Fcart')).toBe(
      '/user/login?passwd=[redacted]&pwd=[redacted]&passphrase=[redacted]&next=%2Fcart',
    );
  });

  it('censors a password called pw, in a query and in a field', () => {
    expect(censorUrl('/cart/products?limit=2&pw=Zq9-Secret&PW=hunter2')).toBe('/cart/products?limit=2&pw=[redacted]&PW=[redacted]');
    expect(censorSecrets({ body: { pw: 'hunter2' } })).toEqual({ body: { pw: '[redacted]' } });
  });

  it('censors whatever looks like a card number, under any name, grouped or not', () => {
    expect(censorUrl('/cart/checkout?pan=4111111111111111&q=4242+4242+4242+4242&r=4000-0000-0000-0002&limit=20')).toBe(
      '/cart/checkout?pan=[redacted]&q=[redacted]&r=[redacted]&limit=20',
    );
    // 13 digits is a card number too (PCI DSS: 13 to 19), as is 19.
    expect(censorUrl('/x?a=4222222222222&b=6011000990139424123')).toBe('/x?a=[redacted]&b=[redacted]');
    expect(censorUrl('/x?ref=123456789012&ref=12345678901234567890')).toBe('/x?ref=123456789012&ref=12345678901234567890');
  });

  it('censors a token or a card number a client put in the request line’s other headers: Host, Accept-Version', () => {
    const { logger, text } = capture();
    const token = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl';
    logger.info(
      { req: { method: 'GET', url: '/x', host: 'myshop.com:4242424242424242', headers: { 'accept-version': token } } },
      'request completed',
    );
    logger.info({ req: { method: 'GET', url: '/y', host: 'myshop.com', headers: { 'accept-version': '2' } } }, 'request completed');
    const [first, second] = text()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line).req);
    expect(first).toMatchObject({ host: '[redacted]', version: '[redacted]' });
    expect(second).toMatchObject({ host: 'myshop.com', version: '2' });
  });

  it('censors a token or a card number a client put in the path, or in a query value under any name', () => {
    const token = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl';
    expect(censorUrl(`/user/${token}`)).toBe('/user/[redacted]');
    expect(censorUrl(`/user/me?t=${token}&limit=5`)).toBe('/user/me?t=[redacted]&limit=5');
    expect(censorUrl('/cart/items/4242%204242%204242%204242?x=1')).toBe('/cart/items/[redacted]?x=1');
    expect(censorUrl('/cart/items/4242-4242-4242-4242')).toBe('/cart/items/[redacted]');
    expect(censorUrl(`/user/${token}?password=a`)).toBe('/user/[redacted]?password=[redacted]');
    // Cut short of its signature, its payload still names the user.
    expect(censorUrl(`/user/${token.slice(0, token.lastIndexOf('.'))}/me`)).toBe('/user/[redacted]/me');
    // Ids and numbers that are neither stay.
    const id = '/cart/items/0f8fad5b-d9cb-469f-a165-70867728950e?limit=2024';
    expect(censorUrl(id)).toBe(id);
    expect(censorUrl('/x/eyJ-not-a-token/123456789012')).toBe('/x/eyJ-not-a-token/123456789012');
  });

  it('censors a token or a card number with something around it: a character more does not let it through', () => {
    const token = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ1In0.c2lnbmF0dXJl';
    // A stray `%` (also a 400 FST_ERR_BAD_URL, whose request line is still written) or `.`.
    expect(censorUrl(`/user/${token}%`)).toBe('/user/[redacted]');
    expect(censorUrl(`/user/${token}.`)).toBe('/user/[redacted]');
    expect(censorUrl(`/x?q=${token}%`)).toBe('/x?q=[redacted]');
    // The header's value pasted into a query.
    expect(censorUrl(`/x?auth=Bearer%20${token}`)).toBe('/x?auth=[redacted]');
    expect(censorUrl('/x?q=4242424242424242%')).toBe('/x?q=[redacted]');
    expect(censorUrl('/x?q=pan:4242-4242-4242-4242')).toBe('/x?q=[redacted]');
    // Digits inside ids are still not card numbers.
    const ids = '/x/12345678-1234-1234-1234-123456789012?ref=ab12345678901234cd&n=12345678901234567890';
    expect(censorUrl(ids)).toBe(ids);
    // Nor are a UUID's last groups when they happen to be all digits (one random UUID in 1,700).
    const order = '/cart/orders/64705bcb-3315-468e-8131-324571095776?after=64705bcb-3315-468e-8131-324571095776';
    expect(censorUrl(order)).toBe(order);
    expect(censorUrl('/x?q=64705bcb-3315-468e-8131-324571095776%204242424242424242')).toBe('/x?q=[redacted]');
  });

  it('censors a query parameter whose name is a token or a card number, value and all', () => {
    const token = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl';
    expect(censorUrl('/cart/products?4111111111111111=1&limit=5')).toBe('/cart/products?[redacted]=[redacted]&limit=5');
    expect(censorUrl(`/user/me?${token}`)).toBe('/user/me?[redacted]');
    expect(censorUrl('/cart/products?4111%201111%201111%201111')).toBe('/cart/products?[redacted]');
    expect(censorUrl('/cart/products?limit=5&cursor=WyJhIl0')).toBe('/cart/products?limit=5&cursor=WyJhIl0');
  });

  it('returns a URL with nothing to censor as it is', () => {
    for (const url of ['/cart/products', '/cart/products?limit=5&cursor=abc', '/x?', '/x?=&&']) expect(censorUrl(url)).toBe(url);
  });
});

describe('every sensitive name', () => {
  // Card data and credentials under names no other test spells, with values that look like
  // nothing: only the name can censor them, as a field of a line and as a query parameter.
  it.each([
    'card_number',
    'cardNumber',
    'pan',
    'cvv',
    'CVV',
    'jwt',
    'secret',
    'current_password',
    'currentPassword',
    'auth_token',
    'x_auth_token',
    'api_key',
    'x_api_key',
  ])('censors %s as a field and as a query parameter', (name) => {
    expect(censorSecrets({ body: { [name]: 'opaque-value' } })).toEqual({ body: { [name]: '[redacted]' } });
    expect(censorUrl(`/x?${name}=opaque-value&limit=5`)).toBe(`/x?${name}=[redacted]&limit=5`);
  });

  it('leaves out a sensitive field that has no value, as the line leaves out any such field', () => {
    const { logger, text } = capture();
    logger.info({ password: undefined, note: 'kept' });
    const line = JSON.parse(text());
    expect(line).not.toHaveProperty('password');
    expect(line.note).toBe('kept');
  });
});
