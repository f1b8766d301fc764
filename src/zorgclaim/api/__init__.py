"""The HTTP API (FastAPI): /api/v1 and /fhir. Routes parse, ask the application layer (which
authorizes and logs) and present; see docs/api.md."""

from zorgclaim.api.main import create_app

__all__ = ["create_app"]
