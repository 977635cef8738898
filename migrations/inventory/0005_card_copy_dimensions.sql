-- The card copy keeps what supplier-order lines snapshot (package dimensions and weight) and
-- the catalog version it reflects, so a stale or reordered event never overwrites a newer one.
ALTER TABLE inventory.cards
    ADD COLUMN length_mm  integer,
    ADD COLUMN width_mm   integer,
    ADD COLUMN height_mm  integer,
    ADD COLUMN weight_g   integer,
    ADD COLUMN version    integer NOT NULL DEFAULT 0;
