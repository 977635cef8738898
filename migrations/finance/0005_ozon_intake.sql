-- The Ozon intake (docs/events.md `mpflow.ozon.*`): postings become sales, finance operations
-- become fee accruals. Two tables, tenant data under row-level security like 0003's.

-- Marketplace data finance could not take yet, kept whole with the reason, so nothing is lost
-- and nothing is half-recorded: a posting with a product no card is linked to waits here and
-- is taken again when a card with a matching Ozon SKU or offer id arrives. Operators see it.
CREATE TABLE finance.intake_parked (
    user_id      uuid        NOT NULL,
    -- What is parked: 'ozon_posting' (key: the posting number).
    kind         text        NOT NULL CHECK (kind IN ('ozon_posting')),
    key          text        NOT NULL,
    -- The latest payload (the event's `data`) and when its producer created it.
    payload      jsonb       NOT NULL,
    seen_at      timestamptz NOT NULL,
    reason       text        NOT NULL,
    -- The Ozon SKUs and offer ids no card is linked to: a card with one of them retries it.
    missing_skus      bigint[] NOT NULL DEFAULT '{}',
    missing_offer_ids text[]   NOT NULL DEFAULT '{}',
    attempts     integer     NOT NULL DEFAULT 1,
    parked_at    timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, kind, key)
);
CREATE INDEX intake_parked_skus_idx ON finance.intake_parked USING gin (missing_skus);
CREATE INDEX intake_parked_offer_ids_idx ON finance.intake_parked USING gin (missing_offer_ids);

-- Ozon finance operations as last received (one row per operation id, replaced when Ozon
-- restates it): the source of the `ozon:op:<operation_id>:…` accruals, kept so they can be
-- booked again when the posting's sale or a card for an unknown SKU arrives later.
CREATE TABLE finance.ozon_operations (
    user_id        uuid          NOT NULL,
    operation_id   bigint        NOT NULL,
    operation_type text          NOT NULL,
    operation_date timestamptz   NOT NULL,
    posting_number text,
    amount         numeric(14,2) NOT NULL,
    payload        jsonb         NOT NULL,
    seen_at        timestamptz   NOT NULL,
    -- Item SKUs no card was linked to when it was last booked.
    unmatched_skus bigint[]      NOT NULL DEFAULT '{}',
    created_at     timestamptz   NOT NULL DEFAULT now(),
    updated_at     timestamptz   NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, operation_id)
);
CREATE INDEX ozon_operations_posting_idx ON finance.ozon_operations (user_id, posting_number)
    WHERE posting_number IS NOT NULL;
CREATE INDEX ozon_operations_unmatched_idx ON finance.ozon_operations USING gin (unmatched_skus)
    WHERE unmatched_skus <> '{}';
CREATE INDEX ozon_operations_date_idx ON finance.ozon_operations (user_id, operation_date);

DO $rls$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['intake_parked', 'ozon_operations'] LOOP
        EXECUTE format('ALTER TABLE finance.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE finance.%I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format(
            'CREATE POLICY tenant_isolation ON finance.%I '
            'USING (user_id = public.mpflow_current_tenant()) '
            'WITH CHECK (user_id = public.mpflow_current_tenant())', t);
    END LOOP;
END
$rls$;
