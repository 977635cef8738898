"""The ozon service."""
