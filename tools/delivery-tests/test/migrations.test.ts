/**
 * A rolling update runs both releases at once: the previous release's replicas keep serving on the
 * schema the first new replica migrated (docs/configuration.md). A migration only expands the
 * schema; what the previous release still uses is dropped, renamed or made required one release
 * later, by a migration that says so here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { repoPath, services } from '@myshop/release';
import { describe, expect, it } from 'vitest';
import { contractingStatements } from '../src/contracting-statements.ts';

/**
 * Migrations allowed to contract, each with what makes it safe. Those applied everywhere before
 * this check: no release older than them runs anywhere.
 */
const CONTRACTS_ALLOWED: Record<string, string> = {
  'user/0002_canonical_email_key': 'applied everywhere before this check',
  'cart/0003_one_payment_per_cart_and_refunds': 'applied everywhere before this check',
};

const migrations = services().flatMap((service) =>
  readdirSync(repoPath(`apps/${service}/migrations`))
    .filter((file) => /^[^.].*\.(sql|ts)$/.test(file))
    .map((file) => ({ name: `${service}/${file.replace(/\.(sql|ts)$/, '')}`, path: repoPath(`apps/${service}/migrations/${file}`) })),
);

describe('migrations under a rolling update', () => {
  it.each(migrations.filter(({ name }) => !(name in CONTRACTS_ALLOWED)))('$name keeps the previous release working', ({ path }) => {
    expect(contractingStatements(readFileSync(path, 'utf8'))).toEqual([]);
  });

  it.each(Object.keys(CONTRACTS_ALLOWED))('%s, allowed to contract, is a migration that does', (name) => {
    const migration = migrations.find((one) => one.name === name);
    expect(migration, `${name} is no migration`).toBeDefined();
    expect(contractingStatements(readFileSync(migration!.path, 'utf8'))).not.toEqual([]);
  });
});

describe('contractingStatements', () => {
  it.each([
    ['ALTER TABLE orders DROP COLUMN seq;', 'drops a column'],
    ['DROP TABLE carts;', 'drops a table'],
    ['ALTER TABLE users RENAME COLUMN name TO full_name;', 'renames'],
    ['ALTER TABLE users ALTER COLUMN email TYPE citext;', 'changes a column type'],
    ["pgm.sql('ALTER TABLE users ALTER COLUMN email_key SET NOT NULL');", 'makes a column required'],
    ['ALTER TABLE users ADD COLUMN email_key text NOT NULL;', 'adds a required column with no default'],
  ])('finds %j', (statement, found) => {
    expect(contractingStatements(`-- Up Migration\n${statement}\n`)).toEqual([found]);
  });

  it.each([
    "ALTER TABLE users ADD COLUMN roles text[] NOT NULL DEFAULT '{}';",
    'ALTER TABLE orders ADD COLUMN card_fingerprint text;',
    'CREATE TABLE t (id uuid NOT NULL);',
    '-- a comment that would DROP COLUMN x\nCREATE INDEX i ON t (id);',
    'CREATE INDEX i ON t (id);\n-- Down Migration\nDROP TABLE t;',
    "export function up() {}\nexport function down(pgm) { pgm.sql('ALTER TABLE users DROP COLUMN roles'); }",
  ])('passes %j', (source) => {
    expect(contractingStatements(source)).toEqual([]);
  });
});
