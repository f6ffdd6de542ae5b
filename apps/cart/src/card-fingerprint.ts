import { createHmac, hkdfSync } from 'node:crypto';
import type { CardDetails } from '@myshop/schemas';

/** Tells the card of one checkout from another's, and reveals nothing of it. */
export type CardFingerprint = (card: CardDetails) => string;

/**
 * An HMAC-SHA-256 of the card's number and expiry (the CVC is never kept, not even hashed), with
 * a key derived (HKDF) from cart's client secret: every replica has that secret already, and a
 * key of its own purpose means a fingerprint can be neither recomputed nor used as a credential
 * without it. A plain hash of a card number could be reversed by trying every number. Rotating
 * the client secret changes the fingerprints: a retry that spans the rotation of a checkout
 * finished before it is refused as another card (422), and never charged.
 */
export function cardFingerprint(clientSecret: string): CardFingerprint {
  const key = Buffer.from(hkdfSync('sha256', clientSecret, '', 'myshop cart: checkout card fingerprint', 32));
  return ({ number, expMonth, expYear }) => createHmac('sha256', key).update(`${number}|${expMonth}|${expYear}`).digest('base64url');
}
