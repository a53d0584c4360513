-- Up Migration
-- Order events this service has applied, recorded in the same transaction as their effect:
-- a redelivered event finds its id here and changes nothing.
CREATE TABLE processed_events (
  event_id     uuid PRIMARY KEY,
  event_type   text NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE processed_events;
