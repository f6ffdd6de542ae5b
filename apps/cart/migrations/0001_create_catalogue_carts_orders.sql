-- Up Migration
CREATE TABLE products (
  id          uuid        PRIMARY KEY,
  -- Byte order ("C"): the same page boundaries on every server, whatever its locale.
  name        text        COLLATE "C" NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  description text        NOT NULL,
  -- Minor units of the shop's currency (CURRENCY).
  price       bigint      NOT NULL CHECK (price > 0),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
-- Keyset pagination of GET /cart/products walks this index.
CREATE INDEX products_name_id ON products (name, id);

-- One row per user who ever had a cart. Its row lock serialises that user's cart changes and
-- checkouts, so the line limit and the checkout snapshot hold under concurrency.
CREATE TABLE carts (
  -- The token's subject, as the user service issued it.
  user_id    text        PRIMARY KEY,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE cart_items (
  user_id    text        NOT NULL REFERENCES carts (user_id) ON DELETE CASCADE,
  product_id uuid        NOT NULL REFERENCES products (id),
  quantity   integer     NOT NULL CHECK (quantity BETWEEN 1 AND 99),
  -- clock_timestamp: lines added in one transaction still keep their order.
  added_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (user_id, product_id)
);

CREATE TABLE orders (
  id                 uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  -- Newest first, and the keyset of GET /cart/orders.
  seq                bigint      GENERATED ALWAYS AS IDENTITY UNIQUE,
  user_id            text        NOT NULL,
  idempotency_key    text        NOT NULL,
  status             text        NOT NULL CHECK (status IN ('pending', 'paid', 'failed')),
  amount             bigint      NOT NULL CHECK (amount > 0),
  currency           text        NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  charge_id          text,
  failure_code       text,
  -- The answer the checkout gave when it finished, replayed for a retry with the same key.
  response_status    integer,
  response_body      jsonb,
  -- While an attempt is talking to payment, others with the key wait; a crashed attempt's lease expires.
  attempt_expires_at timestamptz,
  attempts           integer     NOT NULL DEFAULT 0,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  -- One order per checkout: a retry with the same key finds it instead of making another.
  CONSTRAINT orders_user_key UNIQUE (user_id, idempotency_key),
  CONSTRAINT orders_settled_has_response CHECK ((status = 'pending') = (response_status IS NULL)),
  CONSTRAINT orders_paid_has_charge CHECK (status <> 'paid' OR charge_id IS NOT NULL)
);
CREATE INDEX orders_user_seq ON orders (user_id, seq DESC);

-- What an order was for, at the prices of the moment it was placed. No foreign key to products:
-- an order keeps its lines whatever later happens to the catalogue.
CREATE TABLE order_items (
  order_id   uuid    NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  position   integer NOT NULL,
  product_id uuid    NOT NULL,
  name       text    NOT NULL,
  unit_price bigint  NOT NULL CHECK (unit_price > 0),
  quantity   integer NOT NULL CHECK (quantity BETWEEN 1 AND 99),
  line_total bigint  NOT NULL CHECK (line_total = unit_price * quantity),
  PRIMARY KEY (order_id, product_id)
);

-- Down Migration
DROP TABLE order_items;
DROP TABLE orders;
DROP TABLE cart_items;
DROP TABLE carts;
DROP TABLE products;
