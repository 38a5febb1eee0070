"""Citations in a generated answer, mapped back to the passages the model was given."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.answering.passages import Passage

_CITATION = re.compile(r"\[(\s*\d+(?:\s*[,;]\s*\d+)*\s*)\]")
# A citation the model has begun but not finished writing, at the end of a partial answer.
_OPEN_CITATION = re.compile(r"\[[\d\s,;]*$")


@dataclass(frozen=True)
class CitedAnswer:
    """Generated text renumbered to the sources shown, and those sources in order."""

    text: str
    cited: tuple[Passage, ...]


def map_citations(text: str, passages: list[Passage]) -> CitedAnswer:
    """Keep citations of given passages, renumbered by first use; drop the others.

    ``[3]`` when only two passages were given is removed, as is ``[0]``; ``[2, 1]`` becomes
    ``[1][2]`` in the new numbering.
    """
    numbers: dict[int, int] = {}

    def replace(match: re.Match[str]) -> str:
        given = [int(n) for n in re.split(r"[,;]", match.group(1))]
        kept = {numbers.setdefault(n, len(numbers) + 1) for n in given if 1 <= n <= len(passages)}
        return "".join(f"[{k}]" for k in sorted(kept))

    mapped = _CITATION.sub(replace, text)
    mapped = re.sub(r"[ \t]+([.,;:])", r"\1", re.sub(r"[ \t]{2,}", " ", mapped)).strip()
    cited = tuple(
        passages[original - 1] for original, _ in sorted(numbers.items(), key=lambda kv: kv[1])
    )
    return CitedAnswer(mapped, cited)


def strip_open_citation(text: str) -> str:
    """``text`` without a citation begun but not finished at its end (``... tiers [2``)."""
    return _OPEN_CITATION.sub("", text)


def map_partial_citations(text: str, passages: list[Passage]) -> str:
    """The answer so far as it may be shown: mapped, without a half-written ``[2`` at its end.

    Mapping a prefix numbers its citations as the whole answer will, since numbers go by
    first use; the unfinished citation would show the model's number, not ours.
    """
    return map_citations(strip_open_citation(text), passages).text
