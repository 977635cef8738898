"""Events the auth service publishes."""
