"""Extractive answers: the best section's own words, whole and in order.

Pure functions: passages in, text and the sources it cites out. No model, no I/O.

An answer is the best section as written: its first sentence is the first line (the
guidance is written so that it answers the section's question), then the rest of the
section with its list kept whole and in order. A second section adds at most two of
its sentences or bullets, and only when they carry question words the first section
lacks (a multi-part question, or a fact the first does not have).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.answering.passages import Passage
from bot.answering.text import split_sentences, tokenize

MAX_ANSWER_CHARS = 1200
# What a second section may add: this many units, each naming a question word that the
# best section does not contain.
MAX_ADDED_UNITS = 2


@dataclass(frozen=True)
class Unit:
    """A sentence or a bullet of a passage."""

    text: str
    passage_index: int
    position: int
    is_bullet: bool


@dataclass(frozen=True)
class Composition:
    """A composed answer: its text and the passages it cites, in citation order."""

    text: str
    cited: tuple[Passage, ...]


_BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")


def _blocks(body: str) -> list[tuple[bool, str]]:
    """A section's text in document order: (True, a bullet) or (False, a paragraph).

    Headings are skipped, a paragraph's lines are joined, and an indented line right
    after a bullet continues that bullet.
    """
    pieces: list[tuple[bool, str]] = []
    for block in re.split(r"\n\s*\n", body.strip()):
        prose: list[str] = []
        for line in block.splitlines():
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            if _BULLET.match(line):
                if prose:
                    pieces.append((False, " ".join(prose)))
                    prose = []
                pieces.append((True, _BULLET.sub("", line).strip()))
            elif pieces and pieces[-1][0] and not prose and line.startswith("  "):
                pieces[-1] = (True, f"{pieces[-1][1]} {line.strip()}")
            else:
                prose.append(line.strip())
        if prose:
            pieces.append((False, " ".join(prose)))
    return pieces


def split_units(body: str, passage_index: int) -> list[Unit]:
    """Cut a passage into bullets and sentences, in document order."""
    units: list[Unit] = []
    for is_bullet, text in _blocks(body):
        if is_bullet:
            units.append(Unit(text, passage_index, len(units), True))
        else:
            units.extend(_sentences(text, passage_index, len(units)))
    return units


def _sentences(text: str, passage_index: int, offset: int) -> list[Unit]:
    return [
        Unit(sentence, passage_index, offset + n, False)
        for n, sentence in enumerate(split_sentences(text))
    ]


def plain(text: str) -> str:
    """Markdown emphasis removed (channels render the answer's own markup)."""
    return re.sub(r"\*\*(.+?)\*\*|__(.+?)__", lambda m: m.group(1) or m.group(2), text).strip()


def section_lines(body: str) -> list[str]:
    """A section's text as answer lines: each paragraph on one line, each bullet on its own."""
    return [f"- {plain(text)}" if is_bullet else plain(text) for is_bullet, text in _blocks(body)]


def unit_score(unit: Unit, terms: set[str]) -> float:
    """How much of ``terms`` a unit speaks to: shared terms, damped by its length."""
    words = tokenize(unit.text)
    if not words:
        return 0.0
    return len(terms & set(words)) / math.sqrt(len(words))


def _lead_and_rest(lines: list[str]) -> tuple[str, list[str]]:
    """The first sentence as the lead line; the rest of its paragraph follows it."""
    first = lines[0]
    if first.startswith("- "):
        return first[2:], lines[1:]
    sentences = split_sentences(first)
    rest = " ".join(sentences[1:])
    return sentences[0] if sentences else first, ([rest] if rest else []) + lines[1:]


def added_units(question_terms: set[str], best: Passage, other: Passage) -> list[Unit]:
    """The units of ``other`` that answer a part of the question ``best`` does not cover."""
    missing = question_terms - set(tokenize(f"{best.heading_path}\n{best.body}"))
    if not missing:
        return []
    units = split_units(other.body, 1)
    # A question that names the other section's heading ("level 3 and 4") asks for it:
    # its opening sentence, which states what it is, comes first.
    named = bool(missing & set(tokenize(other.heading)))
    scored = [
        (math.inf if named and unit is units[0] else unit_score(unit, missing), unit)
        for unit in units
        if (named and unit is units[0]) or set(tokenize(unit.text)) & missing
    ]
    scored.sort(key=lambda pair: (-pair[0], pair[1].position))
    chosen = [unit for _, unit in scored[:MAX_ADDED_UNITS]]
    return sorted(chosen, key=lambda unit: unit.position)


def compose(
    question: str, passages: Sequence[Passage], max_chars: int = MAX_ANSWER_CHARS
) -> Composition:
    """The answer from the best passage, and what a second one adds; see the module doc.

    ``passages`` are the covered candidates, best first; only the first two are used.
    Nothing is cut from the middle of the best section: if it does not fit with what
    the second adds, the addition goes; if it does not fit alone, its closing lines go.
    """
    if not passages or not passages[0].body.strip():
        return Composition("", ())
    best = passages[0]
    lead, rest = _lead_and_rest(section_lines(best.body))
    lines = [f"{lead} [1]", *rest]
    while len(lines) > 1 and len("\n".join(lines)) > max_chars:
        lines.pop()
    cited: list[Passage] = [best]
    if len(passages) > 1:
        extra = added_units(set(tokenize(question)), best, passages[1])
        addition = [f"- {plain(unit.text)} [2]" for unit in extra]
        if addition and len("\n".join(lines + addition)) + 1 <= max_chars:
            lines += addition
            cited.append(passages[1])
    return Composition("\n".join(lines), tuple(cited))
