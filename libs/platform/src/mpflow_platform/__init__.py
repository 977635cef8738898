"""Infrastructure shared by every OpenMPFlow service (STYLE.md §5): no business nouns here."""
