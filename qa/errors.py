"""Errors a user can act on. Every face shows `str(error)` as one line, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


class QAError(Exception):
    """Base class: the message is the whole explanation."""


class NoIndexError(QAError):
    pass


class IndexMismatchError(QAError):
    pass


class DocumentError(QAError):
    pass


class BackendUnavailableError(QAError):
    """A server `qa` depends on (Chroma, an LLM) cannot be reached."""


def read_json(path: Path, what: str, hint: str = "") -> Any:
    """The JSON in the file `path`, or a QAError naming it (`what`: "the calibration") and why it cannot be read."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise QAError(f"cannot read {what} {path}: {getattr(error, 'strerror', None) or error}{hint}") from None
