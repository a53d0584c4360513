-- Up Migration
-- Customers' profiles. Credentials, favorites, the tab and the loyalty ledger join them later.
CREATE EXTENSION IF NOT EXISTS citext;

CREATE TABLE customers (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email        citext NOT NULL UNIQUE CHECK (email ~ '^[^@\s]+@[^@\s]+$'),
  display_name text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 80),
  created_at   timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE customers;
