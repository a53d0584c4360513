-- Up Migration
-- Which order each customer's Idempotency-Key placed: the source of truth for "this key made
-- that order" (the server's Valkey entry is only a fast path and may be lost). A key is
-- remembered for 24 hours; after that the same key places a new order.
CREATE TABLE idempotency_keys (
  customer_id         uuid NOT NULL,
  key_digest          text NOT NULL CHECK (length(key_digest) BETWEEN 1 AND 255),
  request_fingerprint text NOT NULL,
  order_id            uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
  created_at          timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (customer_id, key_digest)
);

-- Down Migration
DROP TABLE idempotency_keys;
