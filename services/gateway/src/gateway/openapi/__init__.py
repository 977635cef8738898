"""The published API description: the services' OpenAPI merged, and Swagger UI served locally."""
