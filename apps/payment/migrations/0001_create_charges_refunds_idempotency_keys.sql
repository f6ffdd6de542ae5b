-- Up Migration

-- Users live in the user service: user_id is the access token's subject, kept as given.
CREATE TABLE charges (
  id              uuid           PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id         text           NOT NULL,
  status          text           NOT NULL CHECK (status IN ('succeeded', 'failed')),
  -- Money in integer minor units.
  amount          bigint         NOT NULL CHECK (amount > 0),
  amount_refunded bigint         NOT NULL DEFAULT 0,
  currency        text           NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  -- All that is ever kept of a card: never its number, never its CVC.
  card_brand      text           NOT NULL,
  card_last4      text           NOT NULL CHECK (card_last4 ~ '^[0-9]{4}$'),
  description     text,
  metadata        jsonb          NOT NULL DEFAULT '{}',
  failure_code    text,
  -- Millisecond precision, so a timestamp survives the round trip through a JS Date (cursors).
  created_at      timestamptz(3) NOT NULL DEFAULT now(),
  -- The last line of defence against over-refunding, whatever the code does.
  CONSTRAINT charges_refund_within_amount CHECK (amount_refunded BETWEEN 0 AND amount),
  CONSTRAINT charges_failure_code_iff_failed CHECK ((status = 'failed') = (failure_code IS NOT NULL)),
  CONSTRAINT charges_only_succeeded_refunded CHECK (status = 'succeeded' OR amount_refunded = 0)
);

-- A user's charges, newest first (keyset pagination).
CREATE INDEX charges_user_id_created_at_idx ON charges (user_id, created_at DESC, id DESC);

CREATE TABLE refunds (
  id         uuid           PRIMARY KEY DEFAULT gen_random_uuid(),
  charge_id  uuid           NOT NULL REFERENCES charges (id),
  amount     bigint         NOT NULL CHECK (amount > 0),
  created_at timestamptz(3) NOT NULL DEFAULT now()
);

CREATE INDEX refunds_charge_id_idx ON refunds (charge_id);

-- One row per (user, Idempotency-Key): claimed while the request runs, then the response to replay.
CREATE TABLE idempotency_keys (
  user_id          text        NOT NULL,
  key              text        NOT NULL,
  -- HMAC of the operation and its input: tells a retry from a different request under one key.
  fingerprint      text        NOT NULL,
  status           text        NOT NULL CHECK (status IN ('in_progress', 'completed')),
  -- Names the attempt that holds the key; a stale attempt loses it once its lease runs out.
  claim            uuid        NOT NULL,
  lease_expires_at timestamptz NOT NULL,
  response_status  integer,
  -- json, not jsonb: the replay keeps the first response's key order, byte for byte.
  response_body    json,
  created_at       timestamptz NOT NULL DEFAULT now(),
  expires_at       timestamptz NOT NULL,
  PRIMARY KEY (user_id, key),
  CONSTRAINT idempotency_keys_completed_has_response
    CHECK ((status = 'completed') = (response_status IS NOT NULL AND response_body IS NOT NULL))
);

CREATE INDEX idempotency_keys_expires_at_idx ON idempotency_keys (expires_at);

-- Down Migration
DROP TABLE idempotency_keys;
DROP TABLE refunds;
DROP TABLE charges;
