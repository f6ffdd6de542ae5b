import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * A secret that production takes from a Secret, made up once outside production and kept at
 * `path` (under DATA_DIR), so that it outlives a restart and every local process that needs it
 * (the replicas of a service, and the service at the other end) reads the same value.
 */
export function developmentSecret(path: string, generate: () => string): string {
  mkdirSync(dirname(path), { recursive: true });
  const value = generate();
  const draft = `${path}.${process.pid}.tmp`;
  writeFileSync(draft, value, { mode: 0o600 });
  try {
    // link() publishes a complete file or fails if one exists: when processes start together,
    // the first one's value wins and the others read it, never half of it.
    linkSync(draft, path);
    return value;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return readFileSync(path, 'utf8');
  } finally {
    unlinkSync(draft);
  }
}
