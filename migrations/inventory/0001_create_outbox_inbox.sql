-- Transactional outbox (events written with the business rows, published by the relay)
-- and inbox (event ids already handled, so a redelivered event has no second effect).
CREATE TABLE inventory.outbox (
    seq         bigint      GENERATED ALWAYS AS IDENTITY,
    id          uuid        PRIMARY KEY,
    subject     text        NOT NULL,
    payload     jsonb       NOT NULL,
    user_id     uuid,
    created_at  timestamptz NOT NULL DEFAULT now(),
    sent_at     timestamptz,
    attempts    integer     NOT NULL DEFAULT 0,
    last_error  text
);
-- The relay publishes in commit-independent insertion order (seq), oldest first.
CREATE INDEX outbox_pending_idx ON inventory.outbox (seq) WHERE sent_at IS NULL;

CREATE TABLE inventory.inbox (
    consumer     text        NOT NULL,
    event_id     uuid        NOT NULL,
    subject      text        NOT NULL,
    user_id      uuid,
    handled_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);
