-- Up Migration
-- The outbox relay's fencing token. A relay that takes the leader's advisory lock advances the
-- epoch in the same step and stamps it on every message it publishes (the `relay-epoch`
-- header); it marks events published only while its epoch is still the current one. A relay
-- that lost the lock can still finish a send already under way, but its messages carry an
-- older epoch than the new leader's, and consumers refuse them. One row: there is one relay
-- lock per database.
CREATE TABLE outbox_relay_epoch (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  epoch     bigint NOT NULL CHECK (epoch >= 0)
);

INSERT INTO outbox_relay_epoch (epoch) VALUES (0);

-- Down Migration
DROP TABLE outbox_relay_epoch;
