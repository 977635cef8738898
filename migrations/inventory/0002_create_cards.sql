-- Inventory's read copy of catalog cards (fed by mpflow.catalog.card.* events).
CREATE TABLE inventory.cards (
    user_id          uuid        NOT NULL,
    card_id          uuid        NOT NULL,
    sku              text        NOT NULL,
    title            text        NOT NULL,
    status           text        NOT NULL DEFAULT 'active',
    source_event_id  uuid,
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, card_id)
);
CREATE INDEX cards_user_sku_idx ON inventory.cards (user_id, sku);
