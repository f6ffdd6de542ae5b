import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readWorkspacePackages, ServiceDependencies } from '../../src/watch/service-dependencies.ts';
import { isRuntimeFile } from '../../src/watch/source-watcher.ts';

const root = resolve(import.meta.dirname, '../../../..');
const everyService = ['cart', 'payment', 'user'];
const dependencies = new ServiceDependencies(readWorkspacePackages(root), everyService);

describe('ServiceDependencies (this workspace)', () => {
  it('restarts every service for a library all of them run', () => {
    expect(dependencies.affectedBy(['libs/errors/src/index.ts'])).toEqual(everyService);
    expect(dependencies.affectedBy(['libs/config/src/index.ts'])).toEqual(everyService);
  });

  it('reaches libraries through other libraries (server → health, auth → http-client)', () => {
    expect(dependencies.affectedBy(['libs/health/src/index.ts'])).toEqual(everyService);
    // Only cart calls other services itself, but every service runs auth, which times the key fetches with it.
    expect(dependencies.affectedBy(['libs/http-client/src/index.ts'])).toEqual(everyService);
  });

  it('restarts only the service whose app changed', () => {
    expect(dependencies.affectedBy(['apps/cart/src/routes/list-products.ts'])).toEqual(['cart']);
    expect(dependencies.affectedBy(['apps/cart/migrations/0001_create_catalogue_carts_orders.sql', 'apps/user/src/app.ts'])).toEqual([
      'cart',
      'user',
    ]);
  });

  it('restarts nothing for tools, docs or packages outside the running services', () => {
    expect(dependencies.affectedBy(['tools/devstack/src/main.ts', 'docs/inner-loop.md', 'README.md'])).toEqual([]);
    expect(new ServiceDependencies(readWorkspacePackages(root), ['user']).affectedBy(['apps/cart/src/app.ts'])).toEqual([]);
  });

  it('watches the packages the running services load, and no tool', () => {
    const watched = new ServiceDependencies(readWorkspacePackages(root), ['cart']).watchedPackageDirs;
    expect(watched).toEqual(expect.arrayContaining(['apps/cart', 'libs/errors', 'libs/server', 'libs/db']));
    expect(watched.filter((dir) => !dir.startsWith('libs/') && !dir.startsWith('apps/'))).toEqual([]);
    expect(watched).not.toContain('apps/user');
    expect(watched).not.toContain('libs/testing');
  });
});

describe('isRuntimeFile', () => {
  it.each([
    ['apps/cart/src/app.ts', true],
    ['apps/cart/migrations/0002_seed_products.ts', true],
    ['apps/cart/data/products.json', true],
    ['apps/cart/test/routes/cart.test.ts', false],
    ['libs/errors/src/errors.test.ts', false],
    ['apps/cart/README.md', false],
    ['apps/cart/package.json', true],
    ['apps/cart/tsconfig.build.json', false],
    ['apps/cart/project.json', false],
    ['apps/cart/vitest.config.ts', false],
    ['apps/cart/src/.app.ts.swp', false],
    ['apps/cart/src/app.ts~', false],
    ['libs/db/node_modules/pg/index.js', false],
    ['libs/db/dist/index.js', false],
  ])('%s → %s', (path, expected) => {
    expect(isRuntimeFile(path)).toBe(expected);
  });
});
