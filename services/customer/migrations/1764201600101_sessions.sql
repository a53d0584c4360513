-- Up Migration
-- Sign-in sessions. Each is a family of refresh tokens: a refresh spends the presented token and
-- issues the next one, and the family keeps the absolute expiry it started with. Presenting a
-- spent token again means it was copied, so the whole family ends.
CREATE TABLE sessions (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  customer_id uuid NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  ended_at    timestamptz,
  end_reason  text CHECK (end_reason IN ('signed out', 'signed out everywhere', 'refresh token reused')),
  CHECK ((ended_at IS NULL) = (end_reason IS NULL))
);

CREATE INDEX sessions_live_by_customer ON sessions (customer_id) WHERE ended_at IS NULL;

-- Only a SHA-256 of each refresh token is kept: a copy of this table signs nobody in.
CREATE TABLE refresh_tokens (
  token_hash bytea PRIMARY KEY CHECK (length(token_hash) = 32),
  session_id uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  issued_at  timestamptz NOT NULL DEFAULT now(),
  spent_at   timestamptz
);

CREATE INDEX refresh_tokens_by_session ON refresh_tokens (session_id);

-- Down Migration
DROP TABLE refresh_tokens;
DROP TABLE sessions;
