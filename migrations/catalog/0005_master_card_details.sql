-- Master cards get their typed descriptive columns, a draft status and a version; supplier
-- sources and marketplace links become rows of their own (never buried in JSON).
ALTER TABLE catalog.master_cards DROP CONSTRAINT master_cards_status_check;
ALTER TABLE catalog.master_cards
    ADD CONSTRAINT master_cards_status_check CHECK (status IN ('draft', 'active', 'archived')),
    ADD COLUMN description     text        CHECK (length(description) <= 10000),
    ADD COLUMN brand           text        CHECK (length(brand) BETWEEN 1 AND 200),
    ADD COLUMN barcodes        text[]      NOT NULL DEFAULT '{}',
    ADD COLUMN length_mm       integer     CHECK (length_mm > 0),
    ADD COLUMN width_mm        integer     CHECK (width_mm > 0),
    ADD COLUMN height_mm       integer     CHECK (height_mm > 0),
    ADD COLUMN weight_g        integer     CHECK (weight_g > 0),
    ADD COLUMN attributes      jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(attributes) = 'object'),
    ADD COLUMN purchase_price  numeric(14, 4) CHECK (purchase_price >= 0),
    ADD COLUMN purchase_currency text      CHECK (purchase_currency ~ '^[A-Z]{3}$'),
    ADD COLUMN archived_at     timestamptz,
    -- Bumped by every change; events carry it so read copies ignore stale deliveries.
    ADD COLUMN version         integer     NOT NULL DEFAULT 1,
    ADD CONSTRAINT master_cards_purchase_price_currency CHECK (
        (purchase_price IS NULL) = (purchase_currency IS NULL));
-- Children reference (user_id, id), so a row can never point at another tenant's card.
ALTER TABLE catalog.master_cards ADD CONSTRAINT master_cards_user_id_id_key UNIQUE (user_id, id);
CREATE INDEX master_cards_user_brand_idx ON catalog.master_cards (user_id, lower(brand));
CREATE INDEX master_cards_barcodes_idx ON catalog.master_cards USING gin (barcodes);
CREATE INDEX master_cards_user_updated_idx ON catalog.master_cards (user_id, updated_at DESC);

-- Where a card can be bought (or compared): a supplier listing with its price tiers.
CREATE TABLE catalog.card_sources (
    id          uuid        PRIMARY KEY,
    user_id     uuid        NOT NULL,
    card_id     uuid        NOT NULL,
    kind        text        NOT NULL CHECK (kind IN ('supplier', 'competitor', 'reference')),
    provider    text        NOT NULL CHECK (length(provider) BETWEEN 1 AND 100),
    url         text        CHECK (length(url) <= 2000),
    ref         text        CHECK (length(ref) <= 200),
    price_tiers jsonb       NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(price_tiers) = 'array'),
    data        jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(data) = 'object'),
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (url IS NOT NULL OR ref IS NOT NULL),
    FOREIGN KEY (user_id, card_id) REFERENCES catalog.master_cards (user_id, id)
);
CREATE INDEX card_sources_card_idx ON catalog.card_sources (user_id, card_id, created_at);

-- The card's identity on a marketplace (Ozon: product_id, offer_id, sku).
CREATE TABLE catalog.marketplace_links (
    id           uuid        PRIMARY KEY,
    user_id      uuid        NOT NULL,
    card_id      uuid        NOT NULL,
    marketplace  text        NOT NULL CHECK (marketplace IN ('ozon')),
    offer_id     text        NOT NULL CHECK (length(offer_id) BETWEEN 1 AND 100),
    product_id   bigint      CHECK (product_id > 0),
    sku          bigint      CHECK (sku > 0),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, marketplace, offer_id),
    FOREIGN KEY (user_id, card_id) REFERENCES catalog.master_cards (user_id, id)
);
CREATE UNIQUE INDEX marketplace_links_product_key
    ON catalog.marketplace_links (user_id, marketplace, product_id) WHERE product_id IS NOT NULL;
CREATE UNIQUE INDEX marketplace_links_sku_key
    ON catalog.marketplace_links (user_id, marketplace, sku) WHERE sku IS NOT NULL;
CREATE INDEX marketplace_links_card_idx ON catalog.marketplace_links (user_id, card_id);

ALTER TABLE catalog.card_sources ENABLE ROW LEVEL SECURITY;
ALTER TABLE catalog.card_sources FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON catalog.card_sources
    USING (user_id = public.mpflow_current_tenant())
    WITH CHECK (user_id = public.mpflow_current_tenant());
ALTER TABLE catalog.marketplace_links ENABLE ROW LEVEL SECURITY;
ALTER TABLE catalog.marketplace_links FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON catalog.marketplace_links
    USING (user_id = public.mpflow_current_tenant())
    WITH CHECK (user_id = public.mpflow_current_tenant());
