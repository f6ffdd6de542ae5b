import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { developmentSecret } from '../src/index.ts';

describe('developmentSecret', () => {
  it('makes the secret up once, keeps it readable only by its owner, and gives it to every later caller', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'myshop-secret-')), 'service', 'key');
    let made = 0;
    const generate = () => `secret-${(made += 1)}`;

    const first = developmentSecret(path, generate);
    const second = developmentSecret(path, generate);

    expect(first).toBe('secret-1');
    expect(second).toBe('secret-1');
    expect(readFileSync(path, 'utf8')).toBe('secret-1');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    // No draft is left behind.
    expect(existsSync(`${path}.${process.pid}.tmp`)).toBe(false);
  });

  it('passes on a failure other than "already there" (a folder where the file should be)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'myshop-secret-'));
    expect(() => developmentSecret(join(dir, 'missing', '..'), () => 'x')).toThrow();
  });
});
