-- Why units were written off, adjusted or counted differently (the operator's reason code
-- and free note), kept on the ledger rows of the operation.
ALTER TABLE inventory.movements
    ADD COLUMN reason text CHECK (length(reason) BETWEEN 1 AND 50),
    ADD COLUMN note   text CHECK (length(note) <= 1000);
