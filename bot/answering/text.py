"""Word-level text helpers shared by lexical retrieval and answer composition."""

from __future__ import annotations

import re

_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")

STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself yourselves
    get got gets getting let lets us really also thing things stuff something anything
    ok okay hey hi hello please thanks want need know tell guys""".split()
)

# British and American spellings share one stem, so "operationalize" finds "operationalise".
_SPELLING = (("ization", "isation"), ("izing", "ising"), ("ized", "ised"), ("ize", "ise"))
_SUFFIXES = ("ations", "ation", "ings", "ing", "ities", "ity", "ies", "ed", "es", "s")


_NUMBER_WORDS = {
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
    "first": "1",
    "second": "2",
    "third": "3",
    "fourth": "4",
    "fifth": "5",
}


def stem(word: str) -> str:
    """Reduce a lower-case word to a crude stem (enough for ranking, not linguistics)."""
    if word in _NUMBER_WORDS:
        return _NUMBER_WORDS[word]
    for american, british in _SPELLING:
        if word.endswith(american):
            word = word[: -len(american)] + british
            break
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def tokenize(text: str) -> list[str]:
    """Lower-case content-word stems of ``text``, stopwords removed, in order."""
    words = _WORD.findall(text.lower().replace("\u2011", "-").replace("\u2019", "'"))
    tokens: list[str] = []
    for word in words:
        if word.endswith("'s"):  # possessives and contractions: "azure's", "what's"
            word = word[:-2]
        tokens.extend(stem(part) for part in word.split("-") if part and part not in STOPWORDS)
    return tokens


def split_sentences(text: str) -> list[str]:
    """Split prose into sentences; keeps abbreviations like "e.g." inside a sentence."""
    protected = re.sub(
        r"\b(e\.g|i\.e|etc|vs|approx)\.", lambda m: m.group(0).replace(".", "\0"), text
    )
    parts = re.split(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])", protected)
    return [p.replace("\0", ".").strip() for p in parts if p.strip()]
