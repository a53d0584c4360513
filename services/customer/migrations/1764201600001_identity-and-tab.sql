-- Up Migration
-- Credentials and roles. Customers registered before this migration have no password and
-- cannot sign in until an admin resets them (there were none outside development).
ALTER TABLE customers
  ADD COLUMN password_hash text,
  ADD COLUMN role text NOT NULL DEFAULT 'customer' CHECK (role IN ('customer', 'barista', 'admin'));

-- The tab: what each customer owes, as an append-only ledger whose sum is the balance.
-- One charge and at most one refund per order, which is what makes charge and refund idempotent.
CREATE TABLE tab_entries (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id  uuid NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
  order_id     uuid NOT NULL,
  kind         text NOT NULL CHECK (kind IN ('charge', 'refund')),
  amount_cents integer NOT NULL CHECK (amount_cents > 0),
  created_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (order_id, kind)
);

CREATE INDEX tab_entries_by_customer ON tab_entries (customer_id);

-- Loyalty points, also an append-only ledger whose sum is the balance. Each entry comes from
-- one order event (event_id) and is written at most once.
CREATE TABLE loyalty_entries (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id uuid NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
  order_id    uuid NOT NULL,
  event_id    uuid NOT NULL UNIQUE,
  points      integer NOT NULL CHECK (points <> 0),
  reason      text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX loyalty_entries_by_customer ON loyalty_entries (customer_id);

-- What each customer orders, kept up to date from completed-order events.
CREATE TABLE customer_stats (
  customer_id       uuid PRIMARY KEY REFERENCES customers (id) ON DELETE CASCADE,
  orders_completed  integer NOT NULL DEFAULT 0,
  total_spent_cents integer NOT NULL DEFAULT 0,
  last_order_at     timestamptz
);

CREATE TABLE customer_item_counts (
  customer_id  uuid NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
  menu_item_id uuid NOT NULL,
  quantity     integer NOT NULL,
  PRIMARY KEY (customer_id, menu_item_id)
);

-- Down Migration
DROP TABLE customer_item_counts;
DROP TABLE customer_stats;
DROP TABLE loyalty_entries;
DROP TABLE tab_entries;
ALTER TABLE customers DROP COLUMN role, DROP COLUMN password_hash;
