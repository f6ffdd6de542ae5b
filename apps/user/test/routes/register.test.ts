import { httpClient, type HttpClient } from '@myshop/testing';
import { describe, expect, it } from 'vitest';
import { buildUser, PASSWORD, register } from '../helpers.ts';

const post = (api: HttpClient, payload: object) => api.post('/user/register').send(payload);

describe('POST /user/register', () => {
  it('creates an account: 201 with the profile, the email trimmed, the password stored as argon2id only', async () => {
    const { app, database, logs } = await buildUser();
    const api = await httpClient(app);
    const response = await post(api, { email: '  Ada@Example.com ', password: PASSWORD, name: 'Ada Lovelace' });
    expect(response.status).toBe(201);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    // The account is read at /user/me, with a token from a login.
    expect(response.headers.location).toBe('/user/me');
    const body = response.body;
    expect(body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      email: 'Ada@Example.com',
      name: 'Ada Lovelace',
      createdAt: expect.any(String),
    });
    expect(new Date(body.createdAt).toISOString()).toBe(body.createdAt);
    expect(response.text).not.toContain(PASSWORD);

    const rows = await database.query('SELECT id, email, name, password_hash FROM users');
    expect(rows).toEqual([{ id: body.id, email: 'Ada@Example.com', name: 'Ada Lovelace', password_hash: expect.any(String) }]);
    // OWASP floor for argon2id: m >= 19 MiB, t >= 2, p >= 1.
    const [, m, t, p] = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(rows[0]!.password_hash)!;
    expect(Number(m)).toBeGreaterThanOrEqual(19_456);
    expect(Number(t)).toBeGreaterThanOrEqual(2);
    expect(Number(p)).toBeGreaterThanOrEqual(1);
    expect(logs.text()).not.toContain(PASSWORD);
  });

  it('answers 409 USER_EMAIL_TAKEN for an email already used, whatever its case', async () => {
    const { app, database } = await buildUser();
    await register(app, 'ada@example.com');
    const api = await httpClient(app);
    const response = await post(api, { email: ' ADA@example.COM', password: 'another password', name: 'Impostor' });
    expect(response.status).toBe(409);
    expect(response.body).toEqual({
      statusCode: 409,
      code: 'USER_EMAIL_TAKEN',
      error: 'Conflict',
      message: 'An account with this email already exists',
    });
    expect(await database.query('SELECT name FROM users')).toEqual([{ name: 'Ada' }]);
  });

  it('refuses every spelling of a taken address: 409 for those the form takes, 400 for the others', async () => {
    const { app, database } = await buildUser();
    await register(app, 'iris.strasse@example.com');
    const api = await httpClient(app);
    const statuses = [];
    for (const email of [
      '\u00a0IRIS.Strasse@example.com\u00a0',
      'İris.strasse@example.com',
      'iris.straße@example.com',
      'ｉｒｉｓ.strasse@example.com',
      'iris.stra\u200bsse@example.com',
    ]) {
      statuses.push((await post(api, { email, password: PASSWORD, name: 'Impostor' })).status);
    }
    expect(statuses).toEqual([409, 400, 400, 400, 400]);
    expect(await database.query('SELECT email, email_key, name FROM users')).toEqual([
      { email: 'iris.strasse@example.com', email_key: 'iris.strasse@example.com', name: 'Ada' },
    ]);
  });

  it('lets exactly one of two simultaneous sign-ups with one email win', async () => {
    const { app, database } = await buildUser();
    const api = await httpClient(app);
    const responses = await Promise.all([
      post(api, { email: 'race@example.com', password: PASSWORD, name: 'One' }),
      post(api, { email: 'RACE@example.com', password: PASSWORD, name: 'Two' }),
    ]);
    expect(responses.map((response) => response.status).sort()).toEqual([201, 409]);
    expect(await database.query('SELECT count(*)::int AS n FROM users')).toEqual([{ n: 1 }]);
  });

  it.each([
    ['an invalid email', { email: 'not-an-email', password: PASSWORD, name: 'A' }, 'body/email must match format "email"'],
    [
      'a password under 8 characters',
      { email: 'a@b.co', password: 'short', name: 'A' },
      'body/password must NOT have fewer than 8 characters',
    ],
    [
      'a password over 128 characters',
      { email: 'a@b.co', password: 'p'.repeat(129), name: 'A' },
      'body/password must NOT have more than 128 characters',
    ],
    ['a blank name', { email: 'a@b.co', password: PASSWORD, name: '   ' }, 'body/name holds characters or a form it does not accept'],
    ['a missing name', { email: 'a@b.co', password: PASSWORD }, 'body/name is required'],
    ['an unknown field', { email: 'a@b.co', password: PASSWORD, name: 'A', role: 'admin' }, 'body/role is not allowed'],
    ['a number for the email', { email: 42, password: PASSWORD, name: 'A' }, 'body/email must be string'],
    [
      'an email of 65 characters before the @',
      { email: `${'a'.repeat(65)}@b.co`, password: PASSWORD, name: 'A' },
      'body/email must match format "email"',
    ],
  ])('rejects %s with 400 naming the field, and stores nothing', async (_case, payload, message) => {
    const { app, database } = await buildUser();
    const api = await httpClient(app);
    const response = await post(api, payload);
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ statusCode: 400, code: 'FST_ERR_VALIDATION', error: 'Bad Request', message });
    expect(await database.query('SELECT * FROM users')).toEqual([]);
  });

  it.each([
    ['a zero-width space', '\u200b'],
    ['a zero-width joiner', '\u200d'],
    ['a byte order mark', '\ufeff'],
    ['a soft hyphen', '\u00ad'],
    ['a Hangul filler', '\u3164'],
    ['a blank Braille pattern', '\u2800'],
    ['a control character', '\u0001'],
    ['combining marks only', '\u0301\u0308'],
    ['white space and a combining mark', ' \u0301'],
    ['no-break and ideographic spaces', '\u00a0\u3000'],
    ['a line separator', '\u2028'],
    ['a control character after visible ones', 'Ada\u0001'],
    ['a tab inside', 'Ada\tLovelace'],
    ['a new line at the end', 'Ada\n'],
    ['a DEL', 'Ada\u007f'],
    ['a C1 control', '\u0085Ada'],
    ['a right-to-left override inside', 'Ada\u202eecalpbus'],
    ['a right-to-left override first', '\u202eAda'],
    ['a bidi isolate', 'Ada\u2067x\u2069'],
    ['a right-to-left mark', 'Ada\u200f'],
    ['a line separator inside', 'Ada\u2028Lovelace'],
    ['a paragraph separator inside', 'Ada\u2029Lovelace'],
    ['a private-use character', 'Ada\ue000'],
    ['an unassigned code point', 'Ada\u0378'],
  ])(
    'rejects a name with %s (nothing visible, a control, bidi or unassigned character) with 400, and stores nothing',
    async (_case, name) => {
      const { app, database } = await buildUser();
      const api = await httpClient(app);
      const response = await post(api, { email: 'a@b.co', password: PASSWORD, name });
      expect(response.status).toBe(400);
      expect(response.body).toEqual({
        statusCode: 400,
        code: 'FST_ERR_VALIDATION',
        error: 'Bad Request',
        message: 'body/name holds characters or a form it does not accept',
      });
      expect(await database.query('SELECT * FROM users')).toEqual([]);
    },
  );

  it('accepts names in any script, with accents, apostrophes, joiners and emoji', async () => {
    const { app, database } = await buildUser({ REGISTER_LIMIT_PER_IP: '100' });
    const api = await httpClient(app);
    const names = [
      'Zoë',
      'Zoe\u0308',
      '李小龙',
      'José María',
      "O'Brien",
      '👩\u200d💻',
      '🇫🇷',
      'محمد',
      'نرگس\u200cی',
      'देवनागरी',
      'x'.repeat(100),
    ];
    for (const [index, name] of names.entries()) {
      const response = await post(api, { email: `name${index}@example.com`, password: PASSWORD, name });
      expect(response.status, name).toBe(201);
      expect(response.body.name, name).toBe(name);
    }
    // Stored as typed, nothing normalised away.
    const stored = await database.query('SELECT name FROM users');
    expect(stored.map((row) => row.name).sort()).toEqual([...names].sort());
  });

  it('stores a name without the blanks around it', async () => {
    const { app, database } = await buildUser();
    const api = await httpClient(app);
    const response = await post(api, { email: 'ada@example.com', password: PASSWORD, name: '  Ada Lovelace\u00a0' });
    expect(response.status).toBe(201);
    expect(response.body.name).toBe('Ada Lovelace');
    expect(await database.query('SELECT name FROM users')).toEqual([{ name: 'Ada Lovelace' }]);
  });

  it('accepts a 128-character password and an 8-character one', async () => {
    const { app } = await buildUser();
    const api = await httpClient(app);
    expect((await post(api, { email: 'long@example.com', password: 'p'.repeat(128), name: 'L' })).status).toBe(201);
    expect((await post(api, { email: 'short@example.com', password: '12345678', name: 'S' })).status).toBe(201);
  });

  it('rejects a body that is not JSON with 400, and one that is not an object', async () => {
    const { app } = await buildUser();
    const api = await httpClient(app);
    const malformed = await api.post('/user/register').set('content-type', 'application/json').send('{"email":');
    expect(malformed.status).toBe(400);
    const array = await post(api, [1, 2]);
    expect(array.status).toBe(400);
    expect(array.body.code).toBe('FST_ERR_VALIDATION');
  });
});
