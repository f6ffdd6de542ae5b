import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Type } from 'typebox';
import { describe, expect, it } from 'vitest';
import { baseConfigProperties, ConfigError, loadConfig, secret } from '../src/index.ts';

const Schema = Type.Object({
  ...baseConfigProperties,
  API_KEY: secret(Type.String({ minLength: 8 })),
  REGION: Type.String({ minLength: 1 }),
  RETRIES: Type.Integer({ minimum: 0, maximum: 5, default: 2 }),
});

function secretFile(content: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'config-test-')), 'api-key');
  writeFileSync(path, content);
  return path;
}

function errorOf(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies defaults and converts strings to the declared types', () => {
    const config = loadConfig(Schema, { env: { API_KEY: 'k'.repeat(8), REGION: 'eu', PORT: '6000', DATABASE_MIGRATE_ON_START: 'false' } });
    expect(config).toMatchObject({
      PORT: 6000,
      RETRIES: 2,
      HOST: '127.0.0.1',
      METRICS_HOST: '127.0.0.1',
      METRICS_PORT: 9464,
      NODE_ENV: 'development',
      DATABASE_MIGRATE_ON_START: false,
      REGION: 'eu',
    });
    expect(config.DATABASE_URL).toBeUndefined();
  });

  it('names every missing and invalid key in one error', () => {
    const error = errorOf(() => loadConfig(Schema, { env: { PORT: 'eighty', RETRIES: '9', NODE_ENV: 'staging' } }));
    expect(error.keys.sort()).toEqual(['API_KEY', 'NODE_ENV', 'PORT', 'REGION', 'RETRIES']);
    expect(error.message).toContain('API_KEY: is required');
    expect(error.message).toContain('PORT: must be integer');
    expect(error.message).toContain('NODE_ENV: must be one of development, test, production');
    expect(error.message).toContain('RETRIES: must be <= 5');
  });

  it('tells the error the LOG_FORMAT to report it in: the one asked for, or the default when that key is bad too', () => {
    expect(errorOf(() => loadConfig(Schema, { env: { LOG_FORMAT: 'ecs', PORT: 'eighty' } })).logFormat).toBe('ecs');
    expect(errorOf(() => loadConfig(Schema, { env: { LOG_FORMAT: 'xml', PORT: 'eighty' } })).logFormat).toBe('json');
  });

  it('treats an empty value as unset', () => {
    const error = errorOf(() => loadConfig(Schema, { env: { API_KEY: 'k'.repeat(8), REGION: '' } }));
    expect(error.keys).toEqual(['REGION']);
  });

  it('refuses a number written as blanks or in another base than ten, instead of reading it as another number', () => {
    const base = { API_KEY: 'k'.repeat(8), REGION: 'eu' };
    // Ajv's coercion reads ' ' as 0 (PORT: any free port; OVERLOAD_…: load shedding off) and
    // '0x1F90' as 8080: a typo would start a service that listens or behaves otherwise than written.
    const error = errorOf(() =>
      loadConfig(Schema, { env: { ...base, PORT: '0x1F90', RETRIES: '0o3', OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0b1' } }),
    );
    expect(error.keys.sort()).toEqual(['OVERLOAD_MAX_EVENT_LOOP_DELAY_MS', 'PORT', 'RETRIES']);
    expect(error.message).toContain('PORT: must be integer');
    // Past a double's range an exponent is Infinity, no integer at all, whatever Ajv says of it.
    expect(errorOf(() => loadConfig(Schema, { env: { ...base, OVERLOAD_MAX_HEAP_USED_BYTES: '1e400' } })).keys).toEqual([
      'OVERLOAD_MAX_HEAP_USED_BYTES',
    ]);
    // Blank is empty, and empty is unset: the default, never 0.
    const blank = loadConfig(Schema, { env: { ...base, PORT: ' ', OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '\t' } });
    expect(blank.PORT).toBe(5000);
    expect(blank.OVERLOAD_MAX_EVENT_LOOP_DELAY_MS).toBe(1000);
    // Spaces around decimal digits (a ConfigMap line's trailing blank) are no mistake, nor an exponent.
    expect(loadConfig(Schema, { env: { ...base, PORT: ' 8080 ', OVERLOAD_MAX_HEAP_USED_BYTES: '5e8' } })).toMatchObject({
      PORT: 8080,
      OVERLOAD_MAX_HEAP_USED_BYTES: 500_000_000,
    });
  });

  it('reads a secret from <KEY>_FILE without its trailing newline', () => {
    const config = loadConfig(Schema, { env: { API_KEY_FILE: secretFile('from-the-secret\n'), REGION: 'eu' } });
    expect(config.API_KEY).toBe('from-the-secret');
  });

  it('refuses a secret given both inline and as a file', () => {
    const error = errorOf(() =>
      loadConfig(Schema, { env: { API_KEY: 'inline-value', API_KEY_FILE: secretFile('file-value'), REGION: 'eu' } }),
    );
    expect(error.message).toContain('API_KEY: set either API_KEY or API_KEY_FILE, not both');
    // Neither value is printed: both are the secret, one of them maybe a stale copy.
    expect(error.message).not.toContain('inline-value');
    expect(error.message).not.toContain('file-value');
  });

  it('reports an unreadable secret file by key, not by content', () => {
    const error = errorOf(() => loadConfig(Schema, { env: { API_KEY_FILE: '/nonexistent/secret', REGION: 'eu' } }));
    expect(error.message).toContain('API_KEY: cannot read API_KEY_FILE (ENOENT)');
  });

  it('ignores <KEY>_FILE for keys that are not secrets', () => {
    const error = errorOf(() => loadConfig(Schema, { env: { API_KEY: 'k'.repeat(8), REGION_FILE: secretFile('eu') } }));
    expect(error.keys).toEqual(['REGION']);
  });

  it('never prints a secret value, even an invalid one', () => {
    const leaked = 'short7!';
    const fromFile = secretFile('tiny');
    const inline = errorOf(() => loadConfig(Schema, { env: { API_KEY: leaked, REGION: 'eu' } }));
    const file = errorOf(() => loadConfig(Schema, { env: { API_KEY_FILE: fromFile, REGION: 'eu' } }));
    expect(inline.message).toContain('API_KEY: must NOT have fewer than 8 characters');
    expect(inline.message).not.toContain(leaked);
    expect(file.message).not.toContain('tiny');
    expect(JSON.stringify(inline)).not.toContain(leaked);
  });

  it('requires the production-only keys in production alone, naming the _FILE way for secrets', () => {
    const Optional = Type.Object({
      ...baseConfigProperties,
      TOKEN: Type.Optional(secret(Type.String())),
      ZONE: Type.Optional(Type.String()),
    });
    const options = { requiredInProduction: ['DATABASE_URL', 'TOKEN', 'ZONE'] as Array<'DATABASE_URL' | 'TOKEN' | 'ZONE'> };
    expect(loadConfig(Optional, { env: {}, ...options }).TOKEN).toBeUndefined();
    try {
      loadConfig(Optional, { env: { NODE_ENV: 'production' }, ...options });
      expect.unreachable();
    } catch (error) {
      expect((error as ConfigError).keys).toEqual(['DATABASE_URL', 'TOKEN', 'ZONE']);
      expect((error as Error).message).toContain('TOKEN: is required in production (or TOKEN_FILE)');
      expect((error as Error).message).toMatch(/ZONE: is required in production$/m);
    }
  });

  it('accepts production once the production-only keys are set', () => {
    const Optional = Type.Object({ ...baseConfigProperties, TOKEN: Type.Optional(secret(Type.String())) });
    const config = loadConfig(Optional, {
      env: { NODE_ENV: 'production', DATABASE_URL: 'postgres://db/shop', TOKEN: 't' },
      requiredInProduction: ['DATABASE_URL', 'TOKEN'],
    });
    expect(config).toMatchObject({ NODE_ENV: 'production', DATABASE_URL: 'postgres://db/shop', TOKEN: 't' });
  });

  it('loads a schema whose every key is optional, keeping only the keys it declares', () => {
    const Loose = Type.Object({ ZONE: Type.Optional(Type.String()) });
    expect(loadConfig(Loose, { env: { PATH: '/usr/bin' } })).toEqual({});
    expect(loadConfig(Loose, { env: { ZONE: 'eu-1', PATH: '/usr/bin' } })).toEqual({ ZONE: 'eu-1' });
  });

  it('names the keys the checks beyond the schema refuse together with those the schema refuses', () => {
    const error = errorOf(() =>
      loadConfig(Schema, {
        env: { API_KEY: 'k'.repeat(8), REGION: 'eu', PORT: 'eighty', NODE_ENV: 'production' },
        requiredInProduction: ['DATABASE_URL'],
        refine: (config) => (config.REGION.length < 3 ? [['REGION', 'must name a region, not a continent']] : []),
      }),
    );
    expect(error.keys.sort()).toEqual(['DATABASE_URL', 'PORT', 'REGION']);
    expect(error.message).toContain('PORT: must be integer');
    expect(error.message).toContain('REGION: must name a region, not a continent');
    expect(error.message).toContain('DATABASE_URL: is required in production');
  });

  it('runs a rule across keys on the keys the schema passed, without naming a refused key twice', () => {
    const error = errorOf(() =>
      loadConfig(Schema, {
        env: { API_KEY: 'k'.repeat(8), REGION: 'eu', RETRIES: 'many' },
        refine: (config) => [
          ['RETRIES', 'must be fewer than the regions'],
          ['REGION', config.RETRIES === 2 ? 'was checked with RETRIES at its default' : 'was not'],
        ],
      }),
    );
    expect(error.message).toBe(
      'Invalid configuration (2 keys):\n  RETRIES: must be integer\n  REGION: was checked with RETRIES at its default',
    );
  });

  it('names the refused key when a rule across keys cannot run without it, and passes on what a rule throws otherwise', () => {
    const regionRule = (config: { REGION: string }): Array<[string, string]> =>
      config.REGION.length < 3 ? [['REGION', 'must name a region']] : [];
    const error = errorOf(() => loadConfig(Schema, { env: { API_KEY: 'k'.repeat(8) }, refine: regionRule }));
    expect(error.message).toBe('Invalid configuration (1 key):\n  REGION: is required');
    const broken = () => {
      throw new TypeError('a rule with a bug');
    };
    expect(() => loadConfig(Schema, { env: { API_KEY: 'k'.repeat(8), REGION: 'eu' }, refine: broken })).toThrow('a rule with a bug');
  });

  it('adds the problems found by refine, after the schema passed', () => {
    const error = errorOf(() =>
      loadConfig(Schema, {
        env: { API_KEY: 'k'.repeat(8), REGION: 'eu', NODE_ENV: 'production' },
        refine: (config) =>
          config.NODE_ENV === 'production' && !config.DATABASE_URL ? [['DATABASE_URL', 'is required in production']] : [],
      }),
    );
    expect(error.message).toBe('Invalid configuration (1 key):\n  DATABASE_URL: is required in production');
  });

  it('rejects a DATABASE_URL that is not a PostgreSQL URL without echoing it', () => {
    const error = errorOf(() =>
      loadConfig(Schema, { env: { API_KEY: 'k'.repeat(8), REGION: 'eu', DATABASE_URL: 'mysql://root:hunter2@db/x' } }),
    );
    expect(error.keys).toEqual(['DATABASE_URL']);
    expect(error.message).not.toContain('hunter2');
  });

  it.each([
    ['DATABASE_URL', 'postgres://app:hunter2@127.0.0.1:notaport/db'],
    ['HOST', ' '],
    ['METRICS_HOST', 'local host'],
    ['CORS_ORIGINS', 'https://shop.example/'],
    ['CORS_ORIGINS', '*, https://shop.example'],
    ['CORS_ORIGINS', 'shop.example'],
    ['CORS_ORIGINS', 'https://shop.example/app'],
  ])('refuses %s=%j before anything listens', (key, value) => {
    const error = errorOf(() => loadConfig(Schema, { env: { API_KEY: 'k'.repeat(8), REGION: 'eu', [key]: value } }));
    expect(error.keys).toEqual([key]);
    expect(error.message).not.toContain('hunter2');
  });

  it.each([
    ['a ?port= that is no port', 'postgres://app:hunter2@127.0.0.1:5432/db?port=abc'],
    ['a ?port= past 65535', 'postgres://app:hunter2@127.0.0.1/db?port=99999'],
    ['a password percent-encoded other than as UTF-8', 'postgres://app:hunter2%e9@127.0.0.1:5432/db'],
    ['a database name percent-encoded other than as UTF-8', 'postgres://app:hunter2@127.0.0.1:5432/caf%e9'],
    ['an sslrootcert file that is not there', 'postgres://app:hunter2@127.0.0.1:5432/db?sslrootcert=/nonexistent/ca.crt'],
  ])('refuses a DATABASE_URL the PostgreSQL driver cannot use (%s), without echoing it', (_case, url) => {
    // Each passed the URL check and failed only at the database, naming no key: the port as the
    // start hanging, then exiting 0 with no reason.
    const error = errorOf(() => loadConfig(Schema, { env: { API_KEY: 'k'.repeat(8), REGION: 'eu', DATABASE_URL: url } }));
    expect(error.keys).toEqual(['DATABASE_URL']);
    expect(error.message).not.toContain('hunter2');
  });

  it.each([
    'postgres://app:p%C3%A4ss%40word@db.internal:6432/shop?sslmode=require&application_name=cart',
    'postgresql://app@db/shop?port=5433',
  ])('takes DATABASE_URL=%j', (url) => {
    expect(loadConfig(Schema, { env: { API_KEY: 'k'.repeat(8), REGION: 'eu', DATABASE_URL: url } }).DATABASE_URL).toBe(url);
  });

  it.each(['https://shop.example', ' https://shop.example , http://localhost:5173,https://[::1]:8443 ', ''])(
    'takes CORS_ORIGINS=%j',
    (origins) => {
      expect(loadConfig(Schema, { env: { API_KEY: 'k'.repeat(8), REGION: 'eu', CORS_ORIGINS: origins } }).CORS_ORIGINS).toBe(origins);
    },
  );

  it('refuses a SHUTDOWN_DELAY_MS that leaves no time of SHUTDOWN_GRACE_MS to close the listener and finish requests', () => {
    // The grace timer covers the whole shutdown, the delay included: past it the process exits 1
    // while still serving, without ever closing its listener, cutting every request in flight.
    const base = { API_KEY: 'k'.repeat(8), REGION: 'eu' };
    const error = errorOf(() => loadConfig(Schema, { env: { ...base, SHUTDOWN_DELAY_MS: '15000' } }));
    expect(error.keys).toEqual(['SHUTDOWN_DELAY_MS']);
    expect(error.message).toContain('SHUTDOWN_DELAY_MS: must be less than SHUTDOWN_GRACE_MS');
    expect(errorOf(() => loadConfig(Schema, { env: { ...base, SHUTDOWN_DELAY_MS: '5000', SHUTDOWN_GRACE_MS: '5000' } })).keys).toEqual([
      'SHUTDOWN_DELAY_MS',
    ]);
    expect(loadConfig(Schema, { env: { ...base, SHUTDOWN_DELAY_MS: '2000', SHUTDOWN_GRACE_MS: '15000' } }).SHUTDOWN_DELAY_MS).toBe(2000);
  });

  it('refuses METRICS_PORT equal to PORT (the second listener would fail), but not both 0 (any free port)', () => {
    const error = errorOf(() => loadConfig(Schema, { env: { API_KEY: 'k'.repeat(8), REGION: 'eu', PORT: '9151', METRICS_PORT: '9151' } }));
    expect(error.keys).toEqual(['METRICS_PORT']);
    expect(error.message).toContain('must differ from PORT');
    expect(loadConfig(Schema, { env: { API_KEY: 'k'.repeat(8), REGION: 'eu', PORT: '0', METRICS_PORT: '0' } }).PORT).toBe(0);
  });
});
