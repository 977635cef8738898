"""OpenMPFlow auth service: users and tenants, passwords, login sessions and tokens."""
