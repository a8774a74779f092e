"""The HTTP face of `qa`: `create_app()` builds the FastAPI app that `server.py` and `qa serve` run."""

from qa.api.app import create_app

__all__ = ["create_app"]
