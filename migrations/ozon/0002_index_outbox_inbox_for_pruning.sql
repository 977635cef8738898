-- Hourly housekeeping deletes old sent outbox rows and old inbox rows; these keep it cheap.
CREATE INDEX outbox_sent_at_idx ON ozon.outbox (sent_at) WHERE sent_at IS NOT NULL;
CREATE INDEX inbox_handled_at_idx ON ozon.inbox (consumer, handled_at);
