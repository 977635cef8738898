"""Cash: money that actually moved, by category (DOMAIN.md §7)."""
