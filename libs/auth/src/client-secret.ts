import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { developmentSecret } from '@myshop/config';

/**
 * The secret a service authenticates with at the token endpoint (POST /user/oauth/token), when
 * none is configured outside production: made up once under DATA_DIR, where the user service and
 * the client service (each of their replicas) read the same one.
 */
export function developmentClientSecret(dataDir: string, clientId: string): string {
  return developmentSecret(join(dataDir, 'clients', `${clientId}.secret`), () => randomBytes(32).toString('base64url'));
}
