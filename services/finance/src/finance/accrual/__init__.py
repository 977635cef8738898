"""Accruals: the P&L entries (DOMAIN.md §7), written once per source fact."""
