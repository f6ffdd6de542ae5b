-- Up Migration
-- The attempt limits' counters (src/attempt-counters.ts), shared by every replica and kept across
-- restarts. A row is named by its scope (what kind of limit) and a SHA-256 digest of what it
-- counts (an address, an email key, both): fixed-size index entries whatever the input's length.
-- Rows are never evicted to make room; they are deleted once expired.
CREATE TABLE attempt_counters (
  scope          text        NOT NULL,
  subject        bytea       NOT NULL,
  -- Attempts since the window began.
  hits           integer     NOT NULL,
  -- The end of the window; once over the limit, the end of the block.
  window_ends_at timestamptz NOT NULL,
  -- Times the limit was exceeded: each block is twice the last, up to the limit's longest.
  strikes        integer     NOT NULL DEFAULT 0,
  -- Past this the row says nothing (strikes included) and may be deleted.
  expires_at     timestamptz NOT NULL,
  PRIMARY KEY (scope, subject)
);
CREATE INDEX attempt_counters_expires_at ON attempt_counters (expires_at);

-- Addresses that logged in to an account (src/known-addresses.ts). An attempt from one of them
-- is not counted against the account's limit for unknown addresses: a stranger's failures, from
-- however many addresses, do not lock the owner out.
CREATE TABLE known_login_addresses (
  user_id       uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  address       text        NOT NULL,
  last_login_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, address)
);
CREATE INDEX known_login_addresses_last_login_at ON known_login_addresses (last_login_at);

-- Down Migration
DROP TABLE known_login_addresses;
DROP TABLE attempt_counters;
