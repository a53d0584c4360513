-- Up Migration
-- Points redeemed for an order, and given back when it is cancelled, at most once each.
CREATE UNIQUE INDEX loyalty_once_per_order ON loyalty_entries (order_id, reason)
  WHERE reason IN ('redeemed', 'restored');

-- Down Migration
DROP INDEX loyalty_once_per_order;
