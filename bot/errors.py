"""Errors that the command line and the server report to people, without a traceback."""

from __future__ import annotations


class BackendUnavailableError(RuntimeError):
    """A configured server (Chroma, PostgreSQL) cannot be reached or refused the advisor.

    The message names the server and says what to check; the CLI prints it and
    exits non-zero, so an orchestrator restarts the process once the server is back.
    """


class StateStoreUnusableError(RuntimeError):
    """The state store's file cannot be opened, or is damaged or not a database at all.

    The message is one line naming the file and what to do (restore a backup, move
    it aside, fix its permissions); the CLI prints it and exits non-zero without a
    traceback, so an operator sees at once why the advisor will not start.
    """
