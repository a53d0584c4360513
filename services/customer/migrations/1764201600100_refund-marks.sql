-- Up Migration
-- A refund or a restore is written even for an order that took nothing, as a zero entry: it
-- closes the order's payment, so a charge or a redemption that arrives late (its caller gave up,
-- the order was cancelled) finds it and is refused instead of taking money for a cancelled order.
ALTER TABLE tab_entries
  DROP CONSTRAINT tab_entries_amount_cents_check,
  ADD CONSTRAINT tab_entries_amount_cents_check
    CHECK (amount_cents > 0 OR (kind = 'refund' AND amount_cents = 0));

ALTER TABLE loyalty_entries
  DROP CONSTRAINT loyalty_entries_points_check,
  ADD CONSTRAINT loyalty_entries_points_check CHECK (points <> 0 OR reason = 'restored');

-- Down Migration
DELETE FROM loyalty_entries WHERE points = 0;
ALTER TABLE loyalty_entries
  DROP CONSTRAINT loyalty_entries_points_check,
  ADD CONSTRAINT loyalty_entries_points_check CHECK (points <> 0);

DELETE FROM tab_entries WHERE amount_cents = 0;
ALTER TABLE tab_entries
  DROP CONSTRAINT tab_entries_amount_cents_check,
  ADD CONSTRAINT tab_entries_amount_cents_check CHECK (amount_cents > 0);
