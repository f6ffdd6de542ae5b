/**
 * Accounts become unique by their email key (src/email-key.ts), the spelling the attempt limits
 * count by, instead of PostgreSQL's lower(email): the two disagreed (lower() folds `İ` to `i`,
 * JavaScript's toLowerCase() does not; neither folds `ß` or full-width letters), so a variant of
 * an address could reach an account while counting against someone else's limits.
 *
 * Existing rows get their key from the same function as new ones, computed here in Node. Two
 * existing accounts whose addresses share a key cannot both keep it: rather than guess which one
 * loses its login, the migration stops and names them (nothing is changed; the accounts must be
 * merged or one address corrected by hand first). Accounts created through the service cannot
 * collide: the sign-up form takes ASCII addresses only, whose key is lower(email).
 */
// A migration runs as plain Node, not through the app: the package's own export resolves to the
// source in development and to the compiled file in the image, where src/ does not exist.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { emailKey } from '@myshop/user/email-key';

interface MigrationBuilder {
  sql(statement: string): void;
  /** Runs a query now, inside the migration's transaction (node-pg-migrate's `pgm.db`). */
  db: { select(statement: string): Promise<unknown[]> };
}

interface KeyedUser {
  id: string;
  email_key: string;
}

/** Rows per UPDATE statement: bounded statements, however many accounts there are. */
const BATCH = 1000;

export async function up(pgm: MigrationBuilder): Promise<void> {
  const users = (await pgm.db.select('SELECT id, email FROM users ORDER BY created_at, id')) as Array<{ id: string; email: string }>;
  const keyed = users.map(({ id, email }) => ({ id, email_key: emailKey(email) }));
  refuseSharedKeys(keyed);

  pgm.sql('ALTER TABLE users ADD COLUMN email_key text');
  for (let start = 0; start < keyed.length; start += BATCH) {
    pgm.sql(`
      UPDATE users SET email_key = keyed.email_key
        FROM jsonb_to_recordset(${literal(JSON.stringify(keyed.slice(start, start + BATCH)))}::jsonb) AS keyed(id uuid, email_key text)
       WHERE users.id = keyed.id
    `);
  }
  pgm.sql('ALTER TABLE users ALTER COLUMN email_key SET NOT NULL');
  // What `ada@example.com`, `ADA@example.com` and `ａｄａ@example.com` have in common.
  pgm.sql('CREATE UNIQUE INDEX users_email_key_key ON users (email_key)');
  pgm.sql('DROP INDEX users_email_lower_key');
}

export function down(pgm: MigrationBuilder): void {
  pgm.sql('CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email))');
  pgm.sql('ALTER TABLE users DROP COLUMN email_key');
}

function refuseSharedKeys(users: KeyedUser[]): void {
  const byKey = Map.groupBy(users, (user) => user.email_key);
  const shared = [...byKey.values()].filter((group) => group.length > 1);
  if (shared.length === 0) return;
  const groups = shared.map((group) => group.map((user) => user.id).join(' and ')).join('; ');
  throw new Error(
    `users whose email addresses are one address to sign-up and login (same email key): ${groups}. Merge the accounts or correct an address, then migrate again.`,
  );
}

/** A standard SQL string literal: quotes doubled (standard_conforming_strings is on since PostgreSQL 9.1). */
function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}
