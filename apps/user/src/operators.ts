import { OPERATOR_ROLE } from '@myshop/auth';
import { createDatabase, type Queryable } from '@myshop/db';
import { usersRepository } from './users-repository.ts';

export type OperatorChange = 'grant' | 'revoke';

/**
 * Grants or revokes the operator role (refunds) of the account with this email. Only an
 * account that exists: a role is never waiting for whoever registers an address first.
 * Takes effect at the account's next login: tokens carry the roles they were issued with, and no
 * service asks again, so a revoked operator's tokens refund until they expire.
 */
export async function changeOperator(
  db: Queryable,
  change: OperatorChange,
  email: string,
): Promise<{ userId: string; email: string; roles: string[] }> {
  const users = usersRepository(db);
  const user = await users.findByEmail(email.trim());
  if (!user) {
    const typed = asciiOnly(email.trim());
    throw new Error(`no account with the email ${typed}${typed === email.trim() ? '' : ' (characters outside ASCII are written \\u{…})'}`);
  }
  const roles = await users.setRole(user.profile.id, OPERATOR_ROLE, change === 'grant');
  return { userId: user.profile.id, email: user.profile.email, roles: roles! };
}

/**
 * The text with every character outside printable ASCII written as `\u{hex}`. An address that
 * names no account may look exactly like one that does (a Cyrillic `а` for `a`); printed as typed,
 * the operator would read "no account with the email" of an account they can see exists.
 */
function asciiOnly(text: string): string {
  return text.replace(/[^\x20-\x7e]/gu, (char) => `\\u{${char.codePointAt(0)!.toString(16)}}`);
}

const USAGE = 'usage: operators grant|revoke <email>';

/**
 * The operators command: `grant|revoke <email>` against DATABASE_URL. Never an embedded database
 * of its own: starting one would take over the data folder of a running `npm start`, and an
 * empty one has no accounts to grant anything to. Answers the exit code.
 */
export async function runOperatorsCommand(
  args: string[],
  databaseUrl: string | undefined,
  output: { out(line: string): void; err(line: string): void },
): Promise<number> {
  const [change, email] = args;
  if ((change !== 'grant' && change !== 'revoke') || !email || args.length !== 2) {
    output.err(USAGE);
    return 2;
  }
  if (!databaseUrl) {
    output.err('operators: set DATABASE_URL to the user database (npm start prints it as it starts)');
    return 2;
  }
  const db = createDatabase({ url: databaseUrl, poolMax: 1 });
  try {
    const { userId, email: stored, roles } = await changeOperator(db, change, email);
    // Whoever revokes (an operator who left, a stolen account) must know the role is not gone yet.
    const when =
      change === 'grant'
        ? 'from its next login'
        : 'tokens it already holds keep the role until they expire: ACCESS_TOKEN_TTL_SECONDS at most';
    // The account as stored: any spelling with its email key reaches it, so the operator reads whose it is.
    output.out(
      `${change === 'grant' ? 'granted' : 'revoked'}: account ${userId} <${asciiOnly(stored)}> now has roles [${roles.join(', ')}] (${when})`,
    );
    return 0;
  } catch (error) {
    output.err(`operators: ${(error as Error).message}`);
    return 1;
  } finally {
    await db.close();
  }
}
