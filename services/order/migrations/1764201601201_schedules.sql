-- Up Migration
-- Scheduled orders. Each schedule is driven by a Temporal workflow (schedule-<id>); these
-- tables are what the API lists and what makes every run happen at most once.
CREATE TABLE schedules (
  id                uuid PRIMARY KEY,
  customer_id       uuid NOT NULL,
  customer_name     text NOT NULL,
  -- [{menuItemId, quantity, optionIds}], priced from the menu when each run places its order.
  items             jsonb NOT NULL,
  redeem_free_drink boolean NOT NULL DEFAULT false,
  time_zone         text NOT NULL,
  -- A one-off sets `at`; a repeating schedule sets `time_of_day` and `days`.
  at                timestamptz,
  time_of_day       text CHECK (time_of_day ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'),
  days              text[],
  paused            boolean NOT NULL DEFAULT false,
  -- The run the workflow waits for, and when it will place it: kept for listing and the barista.
  next_run_key      text,
  next_run_at       timestamptz,
  next_place_at     timestamptz,
  created_at        timestamptz NOT NULL DEFAULT now(),
  CHECK ((at IS NULL) <> (time_of_day IS NULL)),
  CHECK ((time_of_day IS NULL) = (days IS NULL))
);

CREATE INDEX schedules_by_customer ON schedules (customer_id, created_at);
CREATE INDEX schedules_upcoming ON schedules (next_run_at) WHERE NOT paused;

-- One row per run, keyed by the run (the local date, or "once"): the idempotency key that makes
-- a run placed, skipped or failed exactly once, whatever retries or restarts happen.
CREATE TABLE schedule_runs (
  schedule_id uuid NOT NULL REFERENCES schedules (id) ON DELETE CASCADE,
  run_key     text NOT NULL,
  due_at      timestamptz NOT NULL,
  outcome     text NOT NULL CHECK (outcome IN ('placed', 'skipped', 'failed')),
  reason      text,
  order_id    uuid UNIQUE,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (schedule_id, run_key)
);

CREATE INDEX schedule_runs_newest ON schedule_runs (schedule_id, due_at DESC);

ALTER TABLE orders ADD COLUMN schedule_id uuid;

-- Down Migration
ALTER TABLE orders DROP COLUMN schedule_id;
DROP TABLE schedule_runs;
DROP TABLE schedules;
