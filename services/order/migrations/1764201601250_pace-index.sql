-- Up Migration
-- Every order read asks for the barista's pace: the average of the last 20 orders made. Without
-- this index that is a sort of every order ever made, once per read.
CREATE INDEX orders_recently_ready ON orders (ready_at DESC)
  WHERE ready_at IS NOT NULL AND accepted_at IS NOT NULL;

-- Down Migration
DROP INDEX orders_recently_ready;
