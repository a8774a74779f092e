"""Errors a user can act on. Every face shows `str(error)` as one line, never a traceback."""


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
