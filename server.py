"""The FastAPI app for `uvicorn server:app` (settings from QA_* variables); `qa serve` runs the same app."""

import qa.offline  # noqa: F401 - before any third-party import
from qa.api import create_app

app = create_app()
