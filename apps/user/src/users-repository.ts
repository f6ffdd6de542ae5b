import { isUniqueViolation, type Queryable } from '@myshop/db';
import { isUuid } from '@myshop/schemas';
import { emailKey } from './email-key.ts';
import { EmailTakenError } from './errors.ts';
import type { UserProfile } from './schemas.ts';

interface UserRow {
  id: string;
  email: string;
  email_key: string;
  name: string;
  password_hash: string;
  roles: string[];
  created_at: Date;
}

export interface UserWithPassword {
  profile: UserProfile;
  passwordHash: string;
  roles: string[];
}

function toProfile(row: UserRow): UserProfile {
  return { id: row.id, email: row.email, name: row.name, createdAt: row.created_at.toISOString() };
}

export function usersRepository(db: Queryable) {
  return {
    /** Keeps `email` as typed; the account is unique by its key, whatever variant is typed next. */
    async create(user: { email: string; name: string; passwordHash: string }): Promise<UserProfile> {
      try {
        const { rows } = await db.query<UserRow>(
          'INSERT INTO users (email, email_key, name, password_hash) VALUES ($1, $2, $3, $4) RETURNING *',
          [user.email, emailKey(user.email), user.name, user.passwordHash],
        );
        return toProfile(rows[0]!);
      } catch (error) {
        // The unique index decides, so two simultaneous sign-ups cannot both win.
        if (isUniqueViolation(error, 'users_email_key_key')) throw new EmailTakenError();
        throw error;
      }
    },

    /** The account of any spelling of its address (case, width, invisible characters…). */
    async findByEmail(email: string): Promise<UserWithPassword | undefined> {
      const { rows } = await db.query<UserRow>('SELECT * FROM users WHERE email_key = $1', [emailKey(email)]);
      return rows[0] && { profile: toProfile(rows[0]), passwordHash: rows[0].password_hash, roles: rows[0].roles };
    },

    /** Replaces the account's password hash (one made again from the same password). */
    async setPasswordHash(id: string, passwordHash: string): Promise<void> {
      await db.query('UPDATE users SET password_hash = $2 WHERE id = $1', [id, passwordHash]);
    },

    /** Grants or revokes a role; answers the account's roles afterwards, or undefined for no such account. */
    async setRole(id: string, role: string, granted: boolean): Promise<string[] | undefined> {
      if (!isUuid(id)) return undefined;
      const { rows } = await db.query<{ roles: string[] }>(
        granted
          ? 'UPDATE users SET roles = array_append(array_remove(roles, $2), $2) WHERE id = $1 RETURNING roles'
          : 'UPDATE users SET roles = array_remove(roles, $2) WHERE id = $1 RETURNING roles',
        [id, role],
      );
      return rows[0]?.roles;
    },

    /** Undefined for an id that is not a UUID too: it names no account (and would be a query error). */
    async findById(id: string): Promise<UserProfile | undefined> {
      if (!isUuid(id)) return undefined;
      const { rows } = await db.query<UserRow>('SELECT * FROM users WHERE id = $1', [id]);
      return rows[0] && toProfile(rows[0]);
    },
  };
}
