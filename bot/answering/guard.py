"""The generator's guards: injection attempts in questions, echoes of the prompt in replies.

Both guards look through cheap disguises first. A question or reply is read in several
*views*: as written; casefolded with accents, zero-width and format characters removed;
with letters spelt out one by one ("I.g.n.o.r.e", "Y o u  a r e") joined back into
words; with digits read as letters ("1gn0re"); and with base64, hex, percent and HTML
escapes decoded. The prompt is not secret (README: "Generated answers"), but a reply that
repeats it, or a question that tries to make the model drop it, gets the refusal.

- ``looks_like_injection`` runs a small grammar over each view's words: a verb that
  drops or reveals, a few filler words, and an object (knowledge/injection.yaml holds
  the vocabulary; content lives in knowledge/).
- ``leaks`` compares letters only: every run of ``size`` consecutive words of the prompt,
  with spaces and punctuation removed, is looked for in each view of the reply with
  everything but letters and digits removed, forwards, reversed and in rot13. Separators,
  case and spacing tricks then change nothing.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import html
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from urllib.parse import unquote

import yaml

from knowledge import KNOWLEDGE_ROOT

INJECTION_FILE = KNOWLEDGE_ROOT / "injection.yaml"
LEAK_WORDS = 8  # this many consecutive words of the prompt in a reply is an echo

# Letters spelt out one by one: single letters or digits, each followed by one separator.
_SPELT = re.compile(r"(?<![^\W_])[^\W_](?:[^\w\n][^\W_](?![^\W_])){2,}")
# Base64 (standard or URL-safe), possibly wrapped over lines: runs of long tokens.
_BASE64 = re.compile(r"(?:[A-Za-z0-9+/_-]{16,}={0,2}\s*)+")
_HEX = re.compile(r"(?:[0-9A-Fa-f]{2}){12,}")
_LEET = str.maketrans("013457@$", "oieastas")
_NOT_ALNUM = re.compile(r"[\W_]+")
MAX_DECODE_DEPTH = 2  # base64 of base64 is still cheap to see through; deeper is not worth it


def _plain(text: str) -> str:
    """Casefolded, compatibility-normalised, without accents or invisible characters."""
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    return "".join(
        ch
        for ch in decomposed
        if not unicodedata.combining(ch) and unicodedata.category(ch) != "Cf"
    )


def _join_spelt(text: str) -> str:
    """Letters spelt out joined: "Y.o.u a.r.e" -> "You are".

    In a run, the commonest separator joins letters; any other one splits words.
    """

    def join(match: re.Match[str]) -> str:
        run = match.group(0)
        separators = run[1::2]
        joiner = max(set(separators), key=separators.count)
        letters = run[0::2]
        words, word = [], letters[0]
        for separator, letter in zip(separators, letters[1:], strict=True):
            if separator == joiner:
                word += letter
            else:
                words.append(word)
                word = letter
        return " ".join([*words, word])

    return _SPELT.sub(join, text)


def _decoded(text: str, depth: int = MAX_DECODE_DEPTH) -> Iterator[str]:
    """What base64 and hex runs in ``text`` decode to (as text, junk bytes dropped)."""
    for match in _BASE64.finditer(text):
        run = re.sub(r"[\s=]", "", match.group(0)).replace("-", "+").replace("_", "/")
        for offset in range(4):  # the run may start with a word glued to the encoding
            body = run[offset:]
            if len(body) % 4 == 1:  # one character too many for any encoding: drop it
                body = body[:-1]
            body += "=" * (-len(body) % 4)
            try:
                decoded = base64.b64decode(body).decode("utf-8", "ignore")
            except (binascii.Error, ValueError):
                continue
            if decoded:
                yield decoded
                if depth > 1:
                    yield from _decoded(decoded, depth - 1)
    for match in _HEX.finditer(text):
        yield bytes.fromhex(match.group(0)).decode("utf-8", "ignore")


def views(text: str) -> list[str]:
    """``text`` as written and undisguised (see the module docstring), each normalised."""
    found = [text, html.unescape(text), unquote(text), *_decoded(text)]
    result: list[str] = []
    for view in found:
        plain = _join_spelt(_plain(view))
        result.append(plain)
        leet = plain.translate(_LEET)
        if leet != plain:
            result.append(leet)
    return list(dict.fromkeys(result))


# --- injection ---------------------------------------------------------------------------


@dataclass(frozen=True)
class InjectionGrammar:
    """The grammar of knowledge/injection.yaml, compiled."""

    drop: re.Pattern[str]
    drop_all: re.Pattern[str]
    reveal: re.Pattern[str]
    own: re.Pattern[str]
    new: re.Pattern[str]
    phrases: re.Pattern[str]
    strong: frozenset[str]
    pointers: frozenset[str]
    own_pointers: frozenset[str]

    @classmethod
    def load(cls, path: Path = INJECTION_FILE) -> InjectionGrammar:
        """Compile the vocabulary file into the grammar's patterns."""
        words = yaml.safe_load(path.read_text(encoding="utf-8"))

        def alt(name: str) -> str:
            entries = sorted({_words(str(w)) for w in words[name]}, key=len, reverse=True)
            return "(?:" + "|".join(re.escape(e) for e in entries) + ")"

        fill = rf"((?: {alt('fillers')}){{0,4}})"
        objects = f"({alt('strong_objects')}|{alt('weak_objects')})"
        place = rf"((?: {alt('places')})?)"
        return cls(
            drop=re.compile(rf"\b{alt('drop_verbs')}{fill} {objects}\b{place}"),
            drop_all=re.compile(
                rf"\b{alt('drop_verbs')} (?:everything|all|anything)"
                rf"(?: {alt('fillers')}){{0,3}} {alt('places')}\b"
            ),
            reveal=re.compile(rf"\b{alt('reveal_verbs')}{fill} {objects}\b{place}"),
            own=re.compile(rf"\byour(?: {alt('fillers')}){{0,3}} {alt('strong_objects')}\b"),
            new=re.compile(rf"\b{alt('new_adjectives')} {alt('strong_objects')}\b"),
            phrases=re.compile(rf"\b{alt('phrases')}\b"),
            strong=frozenset(_words(str(w)) for w in words["strong_objects"]),
            pointers=frozenset(_words(str(w)) for w in words["pointers"]),
            own_pointers=frozenset(_words(str(w)) for w in words["own_pointers"]),
        )

    def matches(self, words: str) -> bool:
        """Whether normalised ``words`` (lower case, single spaces) hold an attempt."""
        if any(p.search(words) for p in (self.drop_all, self.own, self.new, self.phrases)):
            return True
        for pattern, pointers in ((self.drop, self.pointers), (self.reveal, self.own_pointers)):
            for match in pattern.finditer(words):
                fillers, target, after = match.groups()
                # A weak object ("rules") must be pointed at the model's own: "your", "above"...
                if target in self.strong or after or pointers & set(fillers.split()):
                    return True
        return False


def _words(text: str) -> str:
    """Lower-case words separated by single spaces: what the grammar reads."""
    return " ".join(_NOT_ALNUM.split(text.lower())).strip()


@cache
def _grammar() -> InjectionGrammar:
    return InjectionGrammar.load()


def looks_like_injection(question: str) -> bool:
    """Whether a question tries to override the instructions or reveal the prompt."""
    grammar = _grammar()
    return any(grammar.matches(_words(view)) for view in views(question))


# --- leaks ---------------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _runs(secret: str, size: int) -> tuple[str, ...]:
    """Each ``size`` consecutive words of ``secret``, letters and digits only, joined."""
    words = [w for w in _NOT_ALNUM.split(_plain(secret)) if w]
    return tuple({"".join(words[i : i + size]) for i in range(len(words) - size + 1)})


def leaks(reply: str, secret: str, size: int = LEAK_WORDS) -> bool:
    """Whether ``reply`` repeats ``size`` or more consecutive words of ``secret``.

    Looked for in every view of the reply (decoded, letters joined) with only its letters
    and digits kept, forwards, reversed and in rot13: separators and case do not hide it.
    """
    runs = _runs(secret, size)
    for view in views(reply):
        letters = _NOT_ALNUM.sub("", view)
        for candidate in (letters, letters[::-1], codecs.encode(letters, "rot13")):
            if any(run in candidate for run in runs):
                return True
    return False
