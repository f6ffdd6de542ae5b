-- Up Migration

-- One cart, one payment: at most one checkout of a user's cart is being paid at a time. The
-- checkout code refuses a second one under the cart's lock; this index holds it whatever the code.
CREATE UNIQUE INDEX orders_one_pending_per_user ON orders (user_id) WHERE status = 'pending';

-- Refunds of an order's charge, however they were made (read from payment's refund feed).
ALTER TABLE orders ADD COLUMN amount_refunded bigint NOT NULL DEFAULT 0;
ALTER TABLE orders DROP CONSTRAINT orders_status_check;
ALTER TABLE orders ADD CONSTRAINT orders_status_check
  CHECK (status IN ('pending', 'paid', 'partially_refunded', 'refunded', 'failed'));
ALTER TABLE orders DROP CONSTRAINT orders_paid_has_charge;
ALTER TABLE orders ADD CONSTRAINT orders_paid_has_charge
  CHECK (status NOT IN ('paid', 'partially_refunded', 'refunded') OR charge_id IS NOT NULL);
ALTER TABLE orders ADD CONSTRAINT orders_refund_within_amount CHECK (amount_refunded BETWEEN 0 AND amount);
-- A paid order's status says how much came back. (A refund can reach an order still pending,
-- when payment charged but the checkout has not settled yet; settling then picks the status.)
ALTER TABLE orders ADD CONSTRAINT orders_refund_status CHECK (
  CASE status
    WHEN 'paid' THEN amount_refunded = 0
    WHEN 'partially_refunded' THEN amount_refunded > 0 AND amount_refunded < amount
    WHEN 'refunded' THEN amount_refunded = amount
    WHEN 'failed' THEN amount_refunded = 0
    ELSE true
  END
);

CREATE TABLE order_refunds (
  -- Payment's refund id: a refund read twice (two replicas, a repeated page) counts once.
  refund_id   uuid        PRIMARY KEY,
  order_id    uuid        NOT NULL REFERENCES orders (id),
  amount      bigint      NOT NULL CHECK (amount > 0),
  refunded_at timestamptz NOT NULL
);
CREATE INDEX order_refunds_order_id ON order_refunds (order_id);

-- Where reading payment's refund feed goes on (its opaque cursor); one row.
CREATE TABLE refund_feed_position (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  cursor    text
);
INSERT INTO refund_feed_position DEFAULT VALUES;

-- A user's orders newest first, by (created_at, id): the list's cursor is then one of the
-- user's own order ids, and no longer a shop-wide sequence number.
CREATE INDEX orders_user_created_id ON orders (user_id, created_at DESC, id DESC);
ALTER TABLE orders DROP COLUMN seq;

-- Down Migration
ALTER TABLE orders ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE;
CREATE INDEX orders_user_seq ON orders (user_id, seq DESC);
DROP INDEX orders_user_created_id;
DROP TABLE refund_feed_position;
DROP TABLE order_refunds;
ALTER TABLE orders DROP CONSTRAINT orders_refund_status;
ALTER TABLE orders DROP CONSTRAINT orders_refund_within_amount;
ALTER TABLE orders DROP CONSTRAINT orders_paid_has_charge;
ALTER TABLE orders ADD CONSTRAINT orders_paid_has_charge CHECK (status <> 'paid' OR charge_id IS NOT NULL);
ALTER TABLE orders DROP CONSTRAINT orders_status_check;
ALTER TABLE orders ADD CONSTRAINT orders_status_check CHECK (status IN ('pending', 'paid', 'failed'));
ALTER TABLE orders DROP COLUMN amount_refunded;
DROP INDEX orders_one_pending_per_user;
