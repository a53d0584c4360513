-- Up Migration
-- Web Push: each browser a customer allowed to notify them, and which event reached which
-- browser, so a redelivered event never notifies twice.
CREATE TABLE push_subscriptions (
  endpoint    text PRIMARY KEY,
  customer_id uuid NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
  p256dh      text NOT NULL,
  auth        text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX push_subscriptions_by_customer ON push_subscriptions (customer_id);

CREATE TABLE push_deliveries (
  event_id   uuid NOT NULL,
  endpoint   text NOT NULL,
  claimed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (event_id, endpoint)
);

-- Down Migration
DROP TABLE push_deliveries;
DROP TABLE push_subscriptions;
