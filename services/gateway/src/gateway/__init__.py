"""OpenMPFlow gateway: the only public entry point (ARCHITECTURE.md §1, §4)."""
