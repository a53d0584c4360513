-- Up Migration
-- The trace context (W3C traceparent, tracestate) of the transaction that wrote the event: the
-- relay sends it in the Kafka headers, so the consumer continues the order's trace.
ALTER TABLE outbox ADD COLUMN trace_context jsonb;

-- Down Migration
ALTER TABLE outbox DROP COLUMN trace_context;
