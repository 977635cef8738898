CREATE TABLE catalog.master_cards (
    id          uuid        PRIMARY KEY,
    user_id     uuid        NOT NULL,
    sku         text        NOT NULL,
    title       text        NOT NULL,
    status      text        NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'archived')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, sku)
);
CREATE INDEX master_cards_user_created_idx ON catalog.master_cards (user_id, created_at DESC);
