import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { baseConfigProperties, loadConfig } from '../src/index.ts';
import { Type } from 'typebox';

const Schema = Type.Object(baseConfigProperties);

/** A clone in miniature: a root package.json naming its workspaces, and one service's folder. */
function clone(): { root: string; service: string } {
  const root = mkdtempSync(join(tmpdir(), 'data-dir-test-'));
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'shop', private: true, workspaces: ['apps/*'] }));
  const service = join(root, 'apps', 'cart');
  mkdirSync(service, { recursive: true });
  writeFileSync(join(service, 'package.json'), JSON.stringify({ name: '@shop/cart' }));
  return { root, service };
}

describe('DATA_DIR', () => {
  it('is the clone’s .data by default when a command runs in a service’s folder (npm start -w apps/cart)', () => {
    const { root, service } = clone();
    expect(loadConfig(Schema, { env: {}, cwd: service }).DATA_DIR).toBe(join(root, '.data'));
    expect(loadConfig(Schema, { env: {}, cwd: root }).DATA_DIR).toBe(join(root, '.data'));
  });

  it('reads a relative path from the clone’s root, and keeps an absolute one', () => {
    const { root, service } = clone();
    expect(loadConfig(Schema, { env: { DATA_DIR: 'tmp/state' }, cwd: service }).DATA_DIR).toBe(join(root, 'tmp', 'state'));
    expect(loadConfig(Schema, { env: { DATA_DIR: '/var/lib/shop' }, cwd: service }).DATA_DIR).toBe('/var/lib/shop');
  });

  it('is relative to the working directory outside an npm workspace', () => {
    const alone = mkdtempSync(join(tmpdir(), 'data-dir-test-'));
    writeFileSync(join(alone, 'package.json'), JSON.stringify({ name: 'app' }));
    expect(loadConfig(Schema, { env: {}, cwd: alone }).DATA_DIR).toBe(join(alone, '.data'));
  });
});
