-- Up Migration
-- The transaction that recorded each refund, so readers of the refund feed (GET /payment/refunds)
-- can page in commit-safe order: a reader only sees refunds of transactions older than every
-- transaction still running, so no refund can later appear behind its cursor.
ALTER TABLE refunds ADD COLUMN txid xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX refunds_txid_id_idx ON refunds (txid, id);

-- Down Migration
DROP INDEX refunds_txid_id_idx;
ALTER TABLE refunds DROP COLUMN txid;
