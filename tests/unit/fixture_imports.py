"""A file the layering test parses (never imported) to prove it detects SDK imports."""

from slack_bolt.app import App  # noqa: F401
