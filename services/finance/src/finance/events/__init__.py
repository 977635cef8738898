"""Events of the finance service (sales and, later, finance's own context)."""
