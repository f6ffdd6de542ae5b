-- Up Migration
-- The Idempotency-Key a charge was made under, and the fingerprint of its request, kept as long as
-- the charge: a key's stored answer is forgotten after IDEMPOTENCY_TTL_HOURS, but a key never
-- charges twice. A retry (or a void) that comes after its key was forgotten is answered from here.
ALTER TABLE charges ADD COLUMN idempotency_key text, ADD COLUMN request_fingerprint text;

-- Charges made before: their keys as far as still remembered (a charge's own answer names it).
UPDATE charges c
   SET idempotency_key = k.key, request_fingerprint = k.fingerprint
  FROM idempotency_keys k
 WHERE k.user_id = c.user_id AND k.status = 'completed' AND k.response_status = 201 AND k.response_body ->> 'id' = c.id::text;

CREATE UNIQUE INDEX charges_user_idempotency_key ON charges (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL;

-- Down Migration
DROP INDEX charges_user_idempotency_key;
ALTER TABLE charges DROP COLUMN request_fingerprint, DROP COLUMN idempotency_key;
