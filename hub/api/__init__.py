"""JSON API plumbing: endpoint declaration, request validation, problem details, OpenAPI."""
