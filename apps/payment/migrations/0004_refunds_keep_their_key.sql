-- Up Migration
-- The Idempotency-Key a refund was made under, who made it (the operator: keys are per user) and
-- the fingerprint of its request, kept as long as the refund. As for charges, a key's stored
-- answer is forgotten after IDEMPOTENCY_TTL_HOURS, but a key never refunds twice: a retry that
-- comes after its key was forgotten is answered from here.
ALTER TABLE refunds ADD COLUMN requested_by text, ADD COLUMN idempotency_key text, ADD COLUMN request_fingerprint text;

-- Refunds made before: their keys as far as still remembered (a refund's own answer names it).
UPDATE refunds r
   SET requested_by = k.user_id, idempotency_key = k.key, request_fingerprint = k.fingerprint
  FROM idempotency_keys k
 WHERE k.status = 'completed' AND k.response_status = 201 AND k.response_body ->> 'id' = r.id::text;

CREATE UNIQUE INDEX refunds_requester_idempotency_key ON refunds (requested_by, idempotency_key) WHERE idempotency_key IS NOT NULL;

-- Down Migration
DROP INDEX refunds_requester_idempotency_key;
ALTER TABLE refunds DROP COLUMN request_fingerprint, DROP COLUMN idempotency_key, DROP COLUMN requested_by;
