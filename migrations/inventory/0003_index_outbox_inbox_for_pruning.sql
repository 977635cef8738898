-- Hourly housekeeping deletes old sent outbox rows and old inbox rows; these keep it cheap.
CREATE INDEX outbox_sent_at_idx ON inventory.outbox (sent_at) WHERE sent_at IS NOT NULL;
CREATE INDEX inbox_handled_at_idx ON inventory.inbox (consumer, handled_at);
