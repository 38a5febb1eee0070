"""The built-in guidance is written so that each section answers one question on its own.

These are content rules, checked on every file of knowledge/guidance/ as ingest splits
it: a count that announces a list ("five core components") is followed by the list in
the same section; the phrasings of a section name a heading that exists; every section
has enough phrasings; no section is so long that it stops being one answer.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ingest.loaders import LoadedDocument, load_document
from ingest.splitter import split_document
from knowledge import GUIDANCE_DIR

NUMBER_WORDS = {
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
}
# Nouns that name the parts of something: "four levels", "six themes", "three tiers".
LIST_NOUNS = (
    "activities|areas|benefits|capabilities|categories|components|dimensions|domains|"
    "elements|factors|functions|indicators|levels|mistakes|objectives|patterns|phases|"
    "pillars|practices|principles|questions|sections|signs|stages|steps|tests|themes|"
    "tiers|ways"
)
# "N [up to two words] noun", where N is two..ten as a word or a digit: a count that
# promises its items. A count written as a compound ("a five-level scale") or above ten
# ("28 tests") describes, it does not announce, and is not checked.
ANNOUNCEMENT = re.compile(
    rf"(?<![\w-])({'|'.join(NUMBER_WORDS)}|[2-9]|10) (?:[a-z]+ ){{0,2}}?({LIST_NOUNS})\b",
    re.IGNORECASE,
)
BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+", re.MULTILINE)
MIN_PHRASINGS = 10
MAX_SECTION_CHARS = 1100


def guidance_files() -> list[Path]:
    return sorted(GUIDANCE_DIR.glob("*.md"))


def load(path: Path) -> LoadedDocument:
    return load_document(path, path.name)


def listed_items(body: str, start: int) -> int:
    """How many items follow an announcement: bullets in the section, or an inline list.

    An inline list is the text after the next colon or opening bracket, up to the end
    of the sentence, cut at commas, semicolons and a final "and"/"or".
    """
    bullets = len(BULLET.findall(body))
    tail = body[start : start + 700]
    inline = re.match(r"[^.:(\n]*[:(]([^.\n]*)", tail)
    items = (
        [p for p in re.split(r",|;|\band\b|\bor\b", inline.group(1)) if p.strip(" )")]
        if inline
        else []
    )
    return max(bullets, len(items))


def unkept_announcements(body: str) -> list[str]:
    """The announcements in ``body`` not followed by as many items as they count."""
    problems = []
    for match in ANNOUNCEMENT.finditer(body):
        word = match.group(1).lower()
        count = NUMBER_WORDS.get(word) or int(word)
        found = listed_items(body, match.end())
        if found < count:
            problems.append(f"{match.group(0)!r} is followed by {found} item(s)")
    return problems


def test_an_announced_count_is_followed_by_its_items() -> None:
    assert unkept_announcements("It has three parts.") == []  # not a list noun
    assert unkept_announcements("There are three tiers: low, medium and high.") == []
    assert unkept_announcements("The four levels are:\n\n- a\n- b\n- c\n- d") == []
    assert unkept_announcements("The platform has five core components.") != []
    assert unkept_announcements("Two steps (plan and act) matter.") == []
    assert unkept_announcements("A five-level scale and 28 tests.") == []


@pytest.mark.parametrize("path", guidance_files(), ids=lambda p: p.stem.replace("-", "_"))
def test_every_section_that_announces_a_list_carries_it(path: Path) -> None:
    problems = [
        f"{chunk.heading_path}: {problem}"
        for chunk in split_document(load(path), chunk_size=10_000)
        for problem in unkept_announcements(chunk.body)
    ]
    assert problems == []


@pytest.mark.parametrize("path", guidance_files(), ids=lambda p: p.stem.replace("-", "_"))
def test_every_section_is_one_chunk_of_a_readable_length(path: Path) -> None:
    """A section is the unit that is retrieved and shown: it is never cut in two."""
    document = load(path)
    chunks = split_document(document)
    sections = [c.heading_path for c in chunks]
    assert len(sections) == len(set(sections)), "a section was split into several chunks"
    long = [f"{c.heading_path}: {len(c.body)}" for c in chunks if len(c.body) > MAX_SECTION_CHARS]
    assert long == []


@pytest.mark.parametrize("path", guidance_files(), ids=lambda p: p.stem.replace("-", "_"))
def test_phrasings_name_real_sections_and_every_section_has_enough(path: Path) -> None:
    document = load(path)
    chunks = split_document(document, chunk_size=10_000)
    headings = {c.heading_path.split(" > ")[-1] for c in chunks}
    assert set(document.questions) - headings == set(), "phrasings for a missing heading"
    thin = {
        c.heading_path: len(c.questions) for c in chunks if len(c.questions) < MIN_PHRASINGS
    }
    assert thin == {}


def test_the_knowledge_base_has_no_filler_sentences() -> None:
    """Sentences that talk about the guidance instead of giving it."""
    filler = re.compile(
        r"is (usually|often) the first question|this section (describes|covers|explains)"
        r"|the following (describes|explains|lists)|as (we|you) will see",
        re.IGNORECASE,
    )
    found = [
        f"{path.name}: {m.group(0)}"
        for path in guidance_files()
        for m in filler.finditer(load(path).body)
    ]
    assert found == []
