"""qa: answers questions about a document corpus only from passages it cites."""

import qa.offline  # noqa: F401 - must run before any third-party import

__version__ = "0.1.0"
