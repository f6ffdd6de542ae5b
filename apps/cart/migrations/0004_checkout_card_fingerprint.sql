-- Up Migration

-- A keyed fingerprint of the card a checkout was made with (never the card itself), so that a
-- retry of its Idempotency-Key with another card is refused instead of answered "paid". Orders
-- recorded before it have none, and their keys replay as they did.
ALTER TABLE orders ADD COLUMN card_fingerprint text;

-- Down Migration

ALTER TABLE orders DROP COLUMN card_fingerprint;
