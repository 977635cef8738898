-- The P&L reports operating expenses and other income by category. The period index
-- (accruals_period_idx) does not carry `category`, so this partial one covers those rows:
-- the report reads only them, from the index, however many sale rows the period holds.
CREATE INDEX accruals_pnl_category_idx ON finance.accruals (user_id, occurred_at)
    INCLUDE (kind, category, amount)
    WHERE kind IN ('expense', 'income');
