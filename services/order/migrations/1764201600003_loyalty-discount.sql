-- Up Migration
-- A drink paid with loyalty points: what it took off the total, and how many points.
ALTER TABLE orders
  ADD COLUMN discount_cents integer NOT NULL DEFAULT 0 CHECK (discount_cents >= 0),
  ADD COLUMN points_redeemed integer NOT NULL DEFAULT 0 CHECK (points_redeemed >= 0);

-- Down Migration
ALTER TABLE orders DROP COLUMN points_redeemed, DROP COLUMN discount_cents;
