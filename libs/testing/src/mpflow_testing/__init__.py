"""Test helpers for OpenMPFlow (loaded as the pytest plugin `mpflow_testing.plugin`)."""
