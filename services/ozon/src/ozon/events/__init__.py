"""Events the ozon service publishes: marketplace data for the other services (docs/events.md)."""
