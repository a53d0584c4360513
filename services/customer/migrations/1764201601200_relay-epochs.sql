-- Up Migration
-- The highest outbox-relay epoch applied on each partition of the order events, recorded in the
-- same transaction as the event it came with. A later message on that partition with a lower
-- epoch was sent by a relay that had already lost its lead: it is skipped, and the current
-- leader publishes the same event again under its own epoch.
CREATE TABLE relay_epochs (
  topic     text NOT NULL,
  partition integer NOT NULL CHECK (partition >= 0),
  epoch     bigint NOT NULL CHECK (epoch > 0),
  PRIMARY KEY (topic, partition)
);

-- Down Migration
DROP TABLE relay_epochs;
