"""Typed HTTP clients for the domain services, over the gateway's one pooled httpx client."""
