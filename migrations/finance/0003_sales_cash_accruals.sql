-- Finance: sales (recorded here, costed by inventory), cash (money that moved) and accruals
-- (P&L entries), kept apart (DOMAIN.md §7). Every table is tenant data under row-level
-- security, like the other schemas (see inventory/0004_row_level_security.sql).

-- A copy of catalog's cards (catalog.card.* events): SKU and title for reports, and the
-- Ozon links that map marketplace SKUs and offer ids to cards.
CREATE TABLE finance.cards (
    card_id        uuid        PRIMARY KEY,
    user_id        uuid        NOT NULL,
    sku            text        NOT NULL,
    title          text        NOT NULL,
    status         text        NOT NULL DEFAULT 'active',
    ozon_skus      bigint[]    NOT NULL DEFAULT '{}',
    ozon_offer_ids text[]      NOT NULL DEFAULT '{}',
    version        integer     NOT NULL DEFAULT 0,
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX cards_user_idx ON finance.cards (user_id, sku);
CREATE INDEX cards_ozon_skus_idx ON finance.cards USING gin (ozon_skus);
CREATE INDEX cards_ozon_offer_ids_idx ON finance.cards USING gin (ozon_offer_ids);

-- A sale: a manual sale or a marketplace order (an Ozon posting). One per external id per
-- marketplace: posting it again returns the sale already recorded.
CREATE TABLE finance.sales (
    id                 uuid        PRIMARY KEY,
    user_id            uuid        NOT NULL,
    marketplace        text        NOT NULL CHECK (marketplace IN ('ozon', 'manual')),
    external_id        text,
    occurred_at        timestamptz NOT NULL,
    status             text        NOT NULL DEFAULT 'active'
                                   CHECK (status IN ('active', 'cancelled')),
    -- The marketplace's own status (Ozon posting status), as last seen.
    marketplace_status text,
    -- pending: not costed yet; partial: some units wait for stock; costed; cancelled.
    cogs_status        text        NOT NULL DEFAULT 'pending'
                                   CHECK (cogs_status IN ('pending', 'partial', 'costed', 'cancelled')),
    cancelled_at       timestamptz,
    note               text,
    source             text        NOT NULL DEFAULT 'api' CHECK (source IN ('api', 'ozon')),
    created_by         uuid,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX sales_external_uidx ON finance.sales (user_id, marketplace, external_id)
    WHERE external_id IS NOT NULL;
CREATE INDEX sales_occurred_idx ON finance.sales (user_id, occurred_at DESC, id);
CREATE INDEX sales_unfilled_idx ON finance.sales (user_id, cogs_status)
    WHERE cogs_status IN ('pending', 'partial');

-- Sale lines. Money is the line total in base currency: revenue = round2(qty × unit_price);
-- fees (by type) and other costs are as given for the whole line.
CREATE TABLE finance.sale_lines (
    id           uuid          PRIMARY KEY,
    user_id      uuid          NOT NULL,
    sale_id      uuid          NOT NULL REFERENCES finance.sales (id),
    line_no      integer       NOT NULL,
    card_id      uuid          NOT NULL,
    qty          integer       NOT NULL CHECK (qty > 0),
    location     text          NOT NULL CHECK (location IN ('home', 'in_transit', 'marketplace:ozon')),
    unit_price   numeric(14,2) NOT NULL CHECK (unit_price >= 0),
    revenue      numeric(14,2) NOT NULL CHECK (revenue >= 0),
    fees         jsonb         NOT NULL DEFAULT '{}',
    fees_total   numeric(14,2) NOT NULL DEFAULT 0,
    other_costs  numeric(14,2) NOT NULL DEFAULT 0 CHECK (other_costs >= 0),
    -- From inventory's events: units costed, units waiting for stock, their COGS now.
    costed       boolean       NOT NULL DEFAULT false,
    qty_costed   integer       NOT NULL DEFAULT 0,
    qty_pending  integer       NOT NULL DEFAULT 0,
    cogs         numeric(14,2) NOT NULL DEFAULT 0,
    -- Customer returns so far: units and the revenue refunded.
    qty_returned integer       NOT NULL DEFAULT 0 CHECK (qty_returned >= 0),
    refunded     numeric(14,2) NOT NULL DEFAULT 0,
    UNIQUE (sale_id, line_no)
);
CREATE INDEX sale_lines_sale_idx ON finance.sale_lines (user_id, sale_id, line_no);
CREATE INDEX sale_lines_card_idx ON finance.sale_lines (user_id, card_id);

-- Customer returns of a sale (restock or defect); external_id makes a marketplace return
-- idempotent.
CREATE TABLE finance.sale_returns (
    id          uuid        PRIMARY KEY,
    user_id     uuid        NOT NULL,
    sale_id     uuid        NOT NULL REFERENCES finance.sales (id),
    kind        text        NOT NULL CHECK (kind IN ('restock', 'defect')),
    location    text        NOT NULL CHECK (location IN ('home', 'in_transit', 'marketplace:ozon')),
    occurred_at timestamptz NOT NULL,
    external_id text,
    created_by  uuid,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX sale_returns_external_uidx ON finance.sale_returns (user_id, sale_id, external_id)
    WHERE external_id IS NOT NULL;
CREATE INDEX sale_returns_sale_idx ON finance.sale_returns (user_id, sale_id);

CREATE TABLE finance.sale_return_lines (
    return_id uuid          NOT NULL REFERENCES finance.sale_returns (id),
    line_id   uuid          NOT NULL REFERENCES finance.sale_lines (id),
    user_id   uuid          NOT NULL,
    qty       integer       NOT NULL CHECK (qty > 0),
    refund    numeric(14,2) NOT NULL,
    PRIMARY KEY (return_id, line_id)
);

-- Accruals: the P&L. `amount` is signed by its effect on profit (revenue +, fees, COGS,
-- losses and expenses −; a COGS reversal +). Rows are written once per source fact
-- (`source_key`, unique per tenant) and dated when the fact happened (`occurred_at`):
-- corrections are new rows dated now, closed periods are never rewritten. Rows made from a
-- manual cash transaction (operating expense, other income) follow that transaction.
CREATE TABLE finance.accruals (
    id           uuid          PRIMARY KEY,
    user_id      uuid          NOT NULL,
    occurred_at  timestamptz   NOT NULL,
    kind         text          NOT NULL CHECK (kind IN (
                     'revenue', 'refund', 'fee', 'other_cost', 'cogs', 'cogs_adjustment',
                     'loss', 'expense', 'income', 'tax')),
    fee_type     text          CHECK (fee_type IN (
                     'commission', 'logistics', 'last_mile', 'fulfillment', 'dropoff',
                     'acquiring', 'returns', 'marketing', 'storage', 'other')),
    amount       numeric(14,2) NOT NULL,
    -- Units: sold (+) or cancelled (−) on revenue rows, returned on refund rows, lost on
    -- loss rows; 0 elsewhere.
    qty          integer       NOT NULL DEFAULT 0,
    card_id      uuid,
    sale_id      uuid,
    sale_line_id uuid,
    category     text,
    source       text          NOT NULL CHECK (source IN ('sale', 'inventory', 'ozon', 'manual')),
    source_key   text          NOT NULL,
    description  text,
    created_at   timestamptz   NOT NULL DEFAULT now(),
    updated_at   timestamptz   NOT NULL DEFAULT now(),
    CHECK ((kind = 'fee') = (fee_type IS NOT NULL)),
    UNIQUE (user_id, source_key)
);
-- Reports scan a tenant's period; the covering columns let P&L read only the index.
CREATE INDEX accruals_period_idx ON finance.accruals (user_id, occurred_at)
    INCLUDE (kind, fee_type, amount, qty, card_id);
CREATE INDEX accruals_card_idx ON finance.accruals (user_id, card_id, occurred_at)
    WHERE card_id IS NOT NULL;
CREATE INDEX accruals_sale_idx ON finance.accruals (user_id, sale_id) WHERE sale_id IS NOT NULL;

-- A tenant's own cash categories (the system ones are in code: finance/cash/categories.py).
CREATE TABLE finance.categories (
    user_id    uuid        NOT NULL,
    code       text        NOT NULL,
    name       text        NOT NULL,
    direction  text        NOT NULL CHECK (direction IN ('in', 'out')),
    -- Whether a transaction of this category is also a P&L entry.
    pnl        text        NOT NULL CHECK (pnl IN ('expense', 'income', 'none')),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, code)
);

-- Cash: money that actually moved (DOMAIN.md §7). Manual rows are editable; rows made by the
-- system (marketplace payouts from the Ozon sync) are not.
CREATE TABLE finance.transactions (
    id                uuid          PRIMARY KEY,
    user_id           uuid          NOT NULL,
    occurred_at       timestamptz   NOT NULL,
    direction         text          NOT NULL CHECK (direction IN ('in', 'out')),
    amount            numeric(14,2) NOT NULL CHECK (amount > 0),
    category          text          NOT NULL,
    description       text,
    counterparty      text,
    source            text          NOT NULL DEFAULT 'manual' CHECK (source IN ('manual', 'ozon', 'system')),
    external_id       text,
    supplier_order_id uuid,
    sale_id           uuid,
    created_by        uuid,
    created_at        timestamptz   NOT NULL DEFAULT now(),
    updated_at        timestamptz   NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX transactions_external_uidx ON finance.transactions (user_id, source, external_id)
    WHERE external_id IS NOT NULL;
CREATE INDEX transactions_period_idx ON finance.transactions (user_id, occurred_at)
    INCLUDE (direction, amount, category);
CREATE INDEX transactions_order_idx ON finance.transactions (user_id, supplier_order_id)
    WHERE supplier_order_id IS NOT NULL;

DO $rls$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['cards', 'sales', 'sale_lines', 'sale_returns', 'sale_return_lines',
                             'accruals', 'categories', 'transactions'] LOOP
        EXECUTE format('ALTER TABLE finance.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE finance.%I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format(
            'CREATE POLICY tenant_isolation ON finance.%I '
            'USING (user_id = public.mpflow_current_tenant()) '
            'WITH CHECK (user_id = public.mpflow_current_tenant())', t);
    END LOOP;
END
$rls$;
