"""Reports computed in SQL: P&L, cash flow (ДДС), unit economics, stock valuation, dashboard."""
