-- Up Migration
-- Orders: the read model the API serves. The order's Temporal workflow decides transitions and
-- records each one here, together with its event in the outbox, in one transaction.
CREATE TABLE orders (
  id            uuid PRIMARY KEY,
  customer_id   uuid NOT NULL,
  customer_name text NOT NULL,
  status        text NOT NULL CHECK (status IN ('placed', 'accepted', 'ready', 'completed', 'cancelled', 'expired')),
  status_reason text,
  total_cents   integer NOT NULL CHECK (total_cents >= 0),
  placed_at     timestamptz NOT NULL DEFAULT now(),
  accept_by     timestamptz NOT NULL,
  accepted_at   timestamptz,
  ready_at      timestamptz,
  updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX orders_by_customer ON orders (customer_id, placed_at DESC);
CREATE INDEX orders_open ON orders (placed_at) WHERE status IN ('placed', 'accepted', 'ready');

-- Lines keep the names and prices at the time of ordering: later menu changes do not rewrite history.
CREATE TABLE order_lines (
  order_id         uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  position         integer NOT NULL,
  menu_item_id     uuid NOT NULL,
  name             text NOT NULL,
  quantity         integer NOT NULL CHECK (quantity BETWEEN 1 AND 20),
  options          jsonb NOT NULL DEFAULT '[]',
  unit_price_cents integer NOT NULL CHECK (unit_price_cents >= 0),
  PRIMARY KEY (order_id, position)
);

-- The transactional outbox, and the order's event log: `id` orders events for the relay
-- and for streams that resume from the last event a client saw.
CREATE TABLE outbox (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_id       uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
  order_id       uuid NOT NULL,
  type           text NOT NULL,
  schema_version integer NOT NULL,
  payload        jsonb NOT NULL,
  occurred_at    timestamptz NOT NULL DEFAULT now(),
  published_at   timestamptz
);

CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL;
CREATE INDEX outbox_by_order ON outbox (order_id, id);

-- Down Migration
DROP TABLE outbox;
DROP TABLE order_lines;
DROP TABLE orders;
