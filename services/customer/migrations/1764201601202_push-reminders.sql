-- Up Migration
-- Ready orders whose customer will be reminded, shortly before the pickup timeout, that the
-- drink is waiting ("expiring soon"): a durable timer the push sender polls.
CREATE TABLE push_reminders (
  order_id    uuid PRIMARY KEY,
  customer_id uuid NOT NULL,
  due_at      timestamptz NOT NULL
);

CREATE INDEX push_reminders_due ON push_reminders (due_at);

-- Down Migration
DROP TABLE push_reminders;
