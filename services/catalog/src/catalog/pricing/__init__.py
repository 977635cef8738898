"""Pricing calculator and Ozon commission tiers (DOMAIN.md §10)."""
