-- Up Migration
-- A key settled by a void that found nothing done under it answers 409 PAYMENT_CHARGE_VOIDED to
-- every later request. No charge keeps that key for the history to find, so its stored answer is
-- all that stops a late charge with it: it never expires (new voids are stored so, see
-- src/plugins/idempotency.ts). A void that replayed a charge it found keeps its TTL: the charge
-- keeps the key.
UPDATE idempotency_keys SET expires_at = 'infinity'
 WHERE fingerprint = 'voided' AND status = 'completed' AND response_status = 409;

-- Down Migration
UPDATE idempotency_keys SET expires_at = created_at + interval '24 hours' WHERE expires_at = 'infinity';
