-- The inventory domain: suppliers, supplier orders with lines and charges, receipts, FIFO
-- lots, sale-line costing (allocations, pending quantities, adjustments) and the stock ledger.
-- Rules: ../shared/DOMAIN.md §1-§6 (docs in services/inventory/README.md). Money in the
-- tenant's base currency is numeric(14,2); foreign amounts keep their currency and rate.
-- Children reference (user_id, id) of their parent, so no row can point at another tenant's.

ALTER TABLE inventory.cards ADD CONSTRAINT cards_user_card_key UNIQUE (user_id, card_id);

CREATE TABLE inventory.suppliers (
    id          uuid        PRIMARY KEY,
    user_id     uuid        NOT NULL,
    name        text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    currency    text        NOT NULL DEFAULT 'CNY' CHECK (currency ~ '^[A-Z]{3}$'),
    contact     jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(contact) = 'object'),
    notes       text        CHECK (length(notes) <= 5000),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    archived_at timestamptz,
    UNIQUE (user_id, id)
);
CREATE UNIQUE INDEX suppliers_user_name_key ON inventory.suppliers (user_id, lower(name));

CREATE TABLE inventory.supplier_orders (
    id               uuid          PRIMARY KEY,
    user_id          uuid          NOT NULL,
    number           text          NOT NULL CHECK (length(number) BETWEEN 1 AND 50),
    supplier_id      uuid          NOT NULL,
    currency         text          NOT NULL DEFAULT 'CNY' CHECK (currency ~ '^[A-Z]{3}$'),
    fx_rate          numeric(18,8) NOT NULL CHECK (fx_rate > 0),
    fx_rate_date     date          NOT NULL,
    status           text          NOT NULL DEFAULT 'draft' CHECK (status IN
                         ('draft', 'ordered', 'in_transit', 'partially_received', 'received',
                          'cancelled')),
    shortage_policy  text          NOT NULL DEFAULT 'redistribute'
                         CHECK (shortage_policy IN ('redistribute', 'write_off')),
    ordered_at       date,
    expected_at      date,
    notes            text          CHECK (length(notes) <= 5000),
    version          integer       NOT NULL DEFAULT 1,
    created_at       timestamptz   NOT NULL DEFAULT now(),
    updated_at       timestamptz   NOT NULL DEFAULT now(),
    closed_at        timestamptz,
    cancelled_at     timestamptz,
    UNIQUE (user_id, id),
    UNIQUE (user_id, number),
    FOREIGN KEY (user_id, supplier_id) REFERENCES inventory.suppliers (user_id, id)
);
CREATE INDEX supplier_orders_user_created_idx ON inventory.supplier_orders (user_id, created_at DESC);
CREATE INDEX supplier_orders_user_status_idx ON inventory.supplier_orders (user_id, status);

CREATE TABLE inventory.supplier_order_lines (
    id               uuid          PRIMARY KEY,
    user_id          uuid          NOT NULL,
    order_id         uuid          NOT NULL,
    line_no          integer       NOT NULL CHECK (line_no > 0),
    card_id          uuid          NOT NULL,
    qty_ordered      integer       NOT NULL CHECK (qty_ordered > 0),
    unit_price       numeric(18,4) NOT NULL CHECK (unit_price >= 0),
    -- Snapshots of the card's package weight (kg) and volume (l) when the line was added.
    weight_kg        numeric(12,4) CHECK (weight_kg >= 0),
    volume_l         numeric(12,4) CHECK (volume_l >= 0),
    qty_received     integer       NOT NULL DEFAULT 0 CHECK (qty_received >= 0),
    -- round2(qty × unit_price × fx_rate) and that plus its charge shares (DOMAIN.md §4a);
    -- kept current by the service whenever lines, the rate or charges change.
    line_value_base  numeric(14,2) NOT NULL DEFAULT 0,
    landed_value     numeric(14,2) NOT NULL DEFAULT 0,
    -- Σ initial value of this line's lots (the completing receipt takes the residue).
    value_received   numeric(14,2) NOT NULL DEFAULT 0,
    UNIQUE (user_id, id),
    UNIQUE (order_id, line_no),
    FOREIGN KEY (user_id, order_id) REFERENCES inventory.supplier_orders (user_id, id),
    FOREIGN KEY (user_id, card_id) REFERENCES inventory.cards (user_id, card_id)
);
CREATE INDEX supplier_order_lines_order_idx ON inventory.supplier_order_lines (user_id, order_id, line_no);
CREATE INDEX supplier_order_lines_card_idx ON inventory.supplier_order_lines (user_id, card_id);

CREATE TABLE inventory.order_charges (
    id               uuid          PRIMARY KEY,
    user_id          uuid          NOT NULL,
    order_id         uuid          NOT NULL,
    kind             text          NOT NULL CHECK (kind IN
                         ('freight', 'customs', 'packaging', 'agent_fee', 'insurance', 'other')),
    description      text          CHECK (length(description) <= 500),
    amount           numeric(14,2) NOT NULL,
    currency         text          NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    fx_rate          numeric(18,8) NOT NULL CHECK (fx_rate > 0),
    method           text          NOT NULL CHECK (method IN
                         ('by_value', 'by_quantity', 'by_weight', 'by_volume', 'equal', 'manual')),
    -- manual: {"<line id>": "<amount in the charge's currency>"}
    manual           jsonb         CHECK (jsonb_typeof(manual) = 'object'),
    amount_base      numeric(14,2) NOT NULL,
    -- Added once goods had arrived: its on-hand part raised lots, its consumed part became
    -- COGS adjustments (DOMAIN.md §5).
    after_receipt    boolean       NOT NULL DEFAULT false,
    created_at       timestamptz   NOT NULL DEFAULT now(),
    UNIQUE (user_id, id),
    FOREIGN KEY (user_id, order_id) REFERENCES inventory.supplier_orders (user_id, id)
);
CREATE INDEX order_charges_order_idx ON inventory.order_charges (user_id, order_id, created_at);

-- Each charge's share of each line, with the basis it was split on (the explain view).
CREATE TABLE inventory.charge_allocations (
    user_id      uuid          NOT NULL,
    charge_id    uuid          NOT NULL,
    line_id      uuid          NOT NULL,
    basis        numeric(20,6) NOT NULL,
    amount_base  numeric(14,2) NOT NULL,
    PRIMARY KEY (charge_id, line_id),
    FOREIGN KEY (user_id, charge_id) REFERENCES inventory.order_charges (user_id, id) ON DELETE CASCADE,
    FOREIGN KEY (user_id, line_id) REFERENCES inventory.supplier_order_lines (user_id, id) ON DELETE CASCADE
);

CREATE TABLE inventory.receipts (
    id           uuid        PRIMARY KEY,
    user_id      uuid        NOT NULL,
    order_id     uuid        NOT NULL,
    location     text        NOT NULL DEFAULT 'home',
    received_at  timestamptz NOT NULL,
    note         text        CHECK (length(note) <= 1000),
    actor        uuid,
    created_at   timestamptz NOT NULL DEFAULT now(),
    reversed_at  timestamptz,
    UNIQUE (user_id, id),
    FOREIGN KEY (user_id, order_id) REFERENCES inventory.supplier_orders (user_id, id)
);
CREATE INDEX receipts_order_idx ON inventory.receipts (user_id, order_id, received_at);

-- A FIFO lot: units of one card that arrived together, with what they cost.
CREATE TABLE inventory.lots (
    id               uuid          PRIMARY KEY,
    user_id          uuid          NOT NULL,
    card_id          uuid          NOT NULL,
    source           text          NOT NULL CHECK (source IN
                         ('receipt', 'initial_balance', 'adjustment', 'stocktake', 'return')),
    receipt_id       uuid,
    order_line_id    uuid,
    received_at      timestamptz   NOT NULL,
    initial_qty      integer       NOT NULL CHECK (initial_qty > 0),
    remaining_qty    integer       NOT NULL CHECK (remaining_qty BETWEEN 0 AND initial_qty),
    initial_value    numeric(14,2) NOT NULL CHECK (initial_value >= 0),
    remaining_value  numeric(14,2) NOT NULL CHECK (remaining_value >= 0),
    created_at       timestamptz   NOT NULL DEFAULT now(),
    CHECK (remaining_qty > 0 OR remaining_value = 0),
    CHECK ((source = 'receipt') = (receipt_id IS NOT NULL AND order_line_id IS NOT NULL)),
    UNIQUE (user_id, id),
    FOREIGN KEY (user_id, card_id) REFERENCES inventory.cards (user_id, card_id),
    FOREIGN KEY (user_id, receipt_id) REFERENCES inventory.receipts (user_id, id),
    FOREIGN KEY (user_id, order_line_id) REFERENCES inventory.supplier_order_lines (user_id, id)
);
-- FIFO order of a card's open lots; history does not slow it down (partial index).
CREATE INDEX lots_fifo_idx ON inventory.lots (user_id, card_id, received_at, id) WHERE remaining_qty > 0;
CREATE INDEX lots_order_line_idx ON inventory.lots (user_id, order_line_id) WHERE order_line_id IS NOT NULL;
CREATE INDEX lots_receipt_idx ON inventory.lots (user_id, receipt_id) WHERE receipt_id IS NOT NULL;

-- Sale lines as inventory costs them (from mpflow.sales.sale.* events).
CREATE TABLE inventory.sale_lines (
    id            uuid          PRIMARY KEY,  -- the sale line id from finance
    user_id       uuid          NOT NULL,
    sale_id       uuid          NOT NULL,
    card_id       uuid          NOT NULL,
    location      text          NOT NULL,
    qty           integer       NOT NULL CHECK (qty > 0),
    qty_pending   integer       NOT NULL CHECK (qty_pending BETWEEN 0 AND qty),
    qty_returned  integer       NOT NULL DEFAULT 0 CHECK (qty_returned BETWEEN 0 AND qty),
    occurred_at   timestamptz   NOT NULL,
    status        text          NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'cancelled')),
    created_at    timestamptz   NOT NULL DEFAULT now(),
    UNIQUE (user_id, id),
    FOREIGN KEY (user_id, card_id) REFERENCES inventory.cards (user_id, card_id)
);
CREATE INDEX sale_lines_sale_idx ON inventory.sale_lines (user_id, sale_id);
-- Backorders: pending quantities are filled oldest sale first when a lot arrives.
CREATE INDEX sale_lines_pending_idx ON inventory.sale_lines (user_id, card_id, occurred_at, id)
    WHERE qty_pending > 0 AND status = 'active';

-- One row per (sale line, lot) touched: units taken and their cost now (adjustments included).
CREATE TABLE inventory.cogs_allocations (
    id             uuid          PRIMARY KEY,
    user_id        uuid          NOT NULL,
    sale_line_id   uuid          NOT NULL,
    lot_id         uuid          NOT NULL,
    qty            integer       NOT NULL CHECK (qty >= 0),
    cost           numeric(14,2) NOT NULL,
    created_at     timestamptz   NOT NULL DEFAULT now(),
    UNIQUE (user_id, id),
    FOREIGN KEY (user_id, sale_line_id) REFERENCES inventory.sale_lines (user_id, id),
    FOREIGN KEY (user_id, lot_id) REFERENCES inventory.lots (user_id, id)
);
CREATE INDEX cogs_allocations_line_idx ON inventory.cogs_allocations (user_id, sale_line_id, created_at);
CREATE INDEX cogs_allocations_lot_idx ON inventory.cogs_allocations (user_id, lot_id);

-- Changes of COGS after the first costing, dated when they happen (closed periods are never
-- rewritten): backorder fills, late charges, redistributed shortages, returns, cancellations.
CREATE TABLE inventory.cogs_adjustments (
    id             uuid          PRIMARY KEY,
    user_id        uuid          NOT NULL,
    sale_line_id   uuid,
    allocation_id  uuid,
    reason         text          NOT NULL CHECK (reason IN
                       ('backorder_filled', 'late_charge', 'shortage', 'return_restock',
                        'sale_cancelled', 'unattributed')),
    amount         numeric(14,2) NOT NULL,
    source_id      uuid,          -- the charge, receipt, lot or event that caused it
    occurred_at    timestamptz   NOT NULL DEFAULT now(),
    UNIQUE (user_id, id),
    FOREIGN KEY (user_id, sale_line_id) REFERENCES inventory.sale_lines (user_id, id),
    FOREIGN KEY (user_id, allocation_id) REFERENCES inventory.cogs_allocations (user_id, id)
);
CREATE INDEX cogs_adjustments_line_idx ON inventory.cogs_adjustments (user_id, sale_line_id);

-- The stock ledger: every change of where units are, immutable (no UPDATE or DELETE grant).
CREATE TABLE inventory.movements (
    id           uuid          PRIMARY KEY,
    user_id      uuid          NOT NULL,
    card_id      uuid          NOT NULL,
    location     text          NOT NULL CHECK (location IN ('home', 'in_transit', 'marketplace:ozon')),
    qty          integer       NOT NULL CHECK (qty <> 0),
    type         text          NOT NULL CHECK (type IN
                     ('receipt', 'unreceive', 'sale', 'sale_cancelled', 'return', 'write_off',
                      'adjustment', 'stocktake', 'transfer', 'initial_balance')),
    ref_type     text          NOT NULL CHECK (length(ref_type) BETWEEN 1 AND 50),
    ref_id       uuid          NOT NULL,
    lot_id       uuid,
    unit_cost    numeric(18,4),
    value        numeric(14,2) NOT NULL,
    occurred_at  timestamptz   NOT NULL,
    actor        uuid,
    created_at   timestamptz   NOT NULL DEFAULT now(),
    UNIQUE (user_id, id),
    FOREIGN KEY (user_id, card_id) REFERENCES inventory.cards (user_id, card_id),
    FOREIGN KEY (user_id, lot_id) REFERENCES inventory.lots (user_id, id)
);
CREATE INDEX movements_card_idx ON inventory.movements (user_id, card_id, occurred_at, id);
CREATE INDEX movements_ref_idx ON inventory.movements (user_id, ref_type, ref_id);
CREATE INDEX movements_occurred_idx ON inventory.movements (user_id, occurred_at DESC, id);

-- Units and value per card and location, kept with every movement in the same transaction
-- (Σ movements, so the overview never scans the ledger).
CREATE TABLE inventory.balances (
    user_id   uuid          NOT NULL,
    card_id   uuid          NOT NULL,
    location  text          NOT NULL,
    qty       integer       NOT NULL,
    value     numeric(14,2) NOT NULL,
    PRIMARY KEY (user_id, card_id, location),
    FOREIGN KEY (user_id, card_id) REFERENCES inventory.cards (user_id, card_id)
);

DO $rls$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['suppliers', 'supplier_orders', 'supplier_order_lines',
        'order_charges', 'charge_allocations', 'receipts', 'lots', 'sale_lines',
        'cogs_allocations', 'cogs_adjustments', 'movements', 'balances']
    LOOP
        EXECUTE format('ALTER TABLE inventory.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE inventory.%I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON inventory.%I '
                       'USING (user_id = public.mpflow_current_tenant()) '
                       'WITH CHECK (user_id = public.mpflow_current_tenant())', t);
    END LOOP;
END
$rls$;

-- The ledger is append-only for the service.
DO $grant$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'mpflow_inventory') THEN
        REVOKE UPDATE, DELETE, TRUNCATE ON inventory.movements FROM mpflow_inventory;
    END IF;
END
$grant$;
