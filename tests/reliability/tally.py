"""The reliability suite's totals: requests tried, refused correctly, replies duplicated or lost.

Every test in ``tests/reliability`` adds what it did to one ``Tally`` for the session;
``conftest.py`` prints the totals at the end of the run (the figures the issue asks for).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Tally:
    """Counts over the whole reliability suite."""

    tried: int = 0  # requests sent to the advisor (HTTP requests, Socket Mode envelopes)
    refused: int = 0  # requests that had to be refused, and were, with the right status
    expected_replies: int = 0  # replies the advisor owed
    replies: int = 0  # replies it actually sent for them
    duplicates: int = 0  # replies past the first for one message, activity or command
    lost: int = 0  # owed replies never sent

    def requests(self, tried: int, refused: int = 0) -> None:
        """Record ``tried`` requests, of which ``refused`` were rightly refused."""
        self.tried += tried
        self.refused += refused

    def replies_for(self, owed: int, sent: int) -> None:
        """Record one message (or command, or activity) owed ``owed`` replies and got ``sent``."""
        self.expected_replies += owed
        self.replies += min(owed, sent)
        self.duplicates += max(0, sent - owed)
        self.lost += max(0, owed - sent)

    def lines(self) -> list[str]:
        """The totals as printed at the end of the run."""
        return [
            f"requests tried: {self.tried}",
            f"refused correctly: {self.refused}",
            f"replies owed: {self.expected_replies}, sent: {self.replies}",
            f"duplicate replies: {self.duplicates}",
            f"replies lost: {self.lost}",
        ]


SUITE = Tally()
