"""Sales: recorded by finance, costed by inventory from the events (DOMAIN.md §4, §5)."""
