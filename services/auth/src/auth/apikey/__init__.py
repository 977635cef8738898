"""API keys (`mpk_…`): scoped, expiring, revocable credentials for agents and AI clients."""
