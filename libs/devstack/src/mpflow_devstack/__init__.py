"""Embedded servers for development and tests: PostgreSQL and NATS JetStream from PyPI."""
