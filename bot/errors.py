"""Errors that the command line and the server report to people, without a traceback."""

from __future__ import annotations


class BackendUnavailableError(RuntimeError):
    """A configured server (Chroma, PostgreSQL) cannot be reached or refused the advisor.

    The message names the server and says what to check; the CLI prints it and
    exits non-zero, so an orchestrator restarts the process once the server is back.
    """
