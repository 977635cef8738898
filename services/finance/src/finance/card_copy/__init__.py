"""Finance's copy of catalog cards (SKU, title, Ozon links)."""
