"""HTTP plumbing: gateway-signed identity, problem+json, request ids, health and metrics."""
