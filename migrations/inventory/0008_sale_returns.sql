-- Each customer return inventory has applied, once: a return republished under a new event
-- id (the inbox only knows event ids) must not take units or value back a second time.
CREATE TABLE inventory.sale_returns (
    return_id   uuid        PRIMARY KEY,
    user_id     uuid        NOT NULL,
    sale_id     uuid        NOT NULL,
    kind        text        NOT NULL CHECK (kind IN ('restock', 'defect')),
    occurred_at timestamptz NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, return_id)
);
CREATE INDEX sale_returns_sale_idx ON inventory.sale_returns (user_id, sale_id);

ALTER TABLE inventory.sale_returns ENABLE ROW LEVEL SECURITY;
ALTER TABLE inventory.sale_returns FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON inventory.sale_returns
    USING (user_id = public.mpflow_current_tenant())
    WITH CHECK (user_id = public.mpflow_current_tenant());
