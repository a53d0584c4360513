-- Up Migration
-- Rounds for the table. Expand-only: the previous release never reads these tables, and the
-- two new orders columns are nullable, so it keeps placing and reading orders as before.
CREATE TABLE rounds (
  id           uuid PRIMARY KEY,
  code         text NOT NULL CHECK (code ~ '^[2-9A-HJKMNP-Z]{6}$'),
  starter_id   uuid NOT NULL,
  status       text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'submitted')),
  payer        text NOT NULL DEFAULT 'each' CHECK (payer IN ('each', 'starter')),
  created_at   timestamptz NOT NULL DEFAULT now(),
  submitted_at timestamptz
);

-- A code names one open round; submitting frees it. A cancelled round is deleted: it never happened.
CREATE UNIQUE INDEX rounds_open_code ON rounds (code) WHERE status = 'open';

CREATE TABLE round_members (
  round_id      uuid NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
  customer_id   uuid NOT NULL,
  customer_name text NOT NULL,
  -- [{menuItemId, quantity, optionIds}], priced from the menu when the round is submitted.
  items         jsonb NOT NULL DEFAULT '[]',
  -- Set at submit, in the transaction that places the order.
  order_id      uuid UNIQUE,
  joined_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (round_id, customer_id)
);

CREATE INDEX round_members_by_customer ON round_members (customer_id);

ALTER TABLE orders ADD COLUMN round_id uuid;
-- Whose tab the order is charged to when not its customer's (the starter of a round paying for all).
ALTER TABLE orders ADD COLUMN payer_id uuid;
CREATE INDEX orders_by_round ON orders (round_id) WHERE round_id IS NOT NULL;

-- Down Migration
DROP INDEX orders_by_round;
ALTER TABLE orders DROP COLUMN payer_id;
ALTER TABLE orders DROP COLUMN round_id;
DROP TABLE round_members;
DROP TABLE rounds;
