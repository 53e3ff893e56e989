"""The read-only JSON API under /api/v1/, described by an OpenAPI 3 document."""
