-- Up Migration
-- Favorite drinks with their options; the most recently saved one is the customer's usual.
CREATE TABLE favorites (
  customer_id  uuid NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
  menu_item_id uuid NOT NULL,
  option_ids   text[] NOT NULL DEFAULT '{}',
  quantity     integer NOT NULL DEFAULT 1 CHECK (quantity BETWEEN 1 AND 20),
  saved_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (customer_id, menu_item_id)
);

CREATE INDEX favorites_usual ON favorites (customer_id, saved_at DESC);

-- Down Migration
DROP TABLE favorites;
