"""Marketplace data coming in as events (Ozon postings and finance operations)."""
