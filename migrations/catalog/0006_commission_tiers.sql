-- Ozon commission tiers per tenant (DOMAIN.md §10): the rate for price_min <= price <
-- price_max (NULL: no upper bound) of a category (and product type; '' = the whole
-- category) and a scheme, valid from valid_from to valid_to (the last day, inclusive; NULL:
-- open). Rows sharing (category, product type, scheme, valid_from) form one set, replaced
-- as a whole by an import. category_key / product_type_key are the casefolded names, set by
-- the service, so that matching ignores case whatever the database's collation.
-- (0005 is reserved for card work; the migration runner applies files in name order and
-- accepts gaps.)
CREATE TABLE catalog.commission_tiers (
    id                uuid          PRIMARY KEY,
    user_id           uuid          NOT NULL,
    category          text          NOT NULL CHECK (length(category) BETWEEN 1 AND 200),
    category_key      text          NOT NULL,
    product_type      text          NOT NULL DEFAULT '' CHECK (length(product_type) <= 200),
    product_type_key  text          NOT NULL DEFAULT '',
    scheme            text          NOT NULL CHECK (scheme IN ('FBO', 'FBS', 'RFBS')),
    price_min         numeric(14,2) NOT NULL CHECK (price_min >= 0),
    price_max         numeric(14,2) CHECK (price_max IS NULL OR price_max > price_min),
    rate_percent      numeric(5,2)  NOT NULL CHECK (rate_percent BETWEEN 0 AND 100),
    valid_from        date          NOT NULL,
    valid_to          date          CHECK (valid_to IS NULL OR valid_to >= valid_from),
    source            text          NOT NULL CHECK (source IN ('file', 'ozon', 'manual')),
    created_at        timestamptz   NOT NULL DEFAULT now(),
    UNIQUE (user_id, category_key, product_type_key, scheme, valid_from, price_min)
);
-- The calculator's look-up: a tenant's tiers of one category and scheme, newest set first.
CREATE INDEX commission_tiers_lookup_idx
    ON catalog.commission_tiers (user_id, category_key, scheme, valid_from DESC);

-- Row-level security as in 0004_row_level_security.sql: a query sees and writes only the
-- rows of the transaction's tenant (public.mpflow_current_tenant()).
ALTER TABLE catalog.commission_tiers ENABLE ROW LEVEL SECURITY;
ALTER TABLE catalog.commission_tiers FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON catalog.commission_tiers
    USING (user_id = public.mpflow_current_tenant())
    WITH CHECK (user_id = public.mpflow_current_tenant());
