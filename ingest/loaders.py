"""Read .md, .txt, .html and .pdf files into one normalised, Markdown-like form.

Every loader returns a ``LoadedDocument`` whose ``body`` uses ``#`` headings, so
one splitter serves all formats. A file that cannot be used raises
``LoadError`` with the reason; the pipeline reports it and goes on.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

SUPPORTED_SUFFIXES = (".md", ".markdown", ".txt", ".html", ".htm", ".pdf")


class LoadError(Exception):
    """A file could not be read or holds nothing usable."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


@dataclass(frozen=True)
class LoadedDocument:
    """One source file, normalised."""

    path: Path
    source: str  # how the file is named to users and in metadata
    title: str
    body: str  # Markdown-like text with '#' headings
    summary: str = ""
    tags: tuple[str, ...] = field(default=())
    content_hash: str = ""
    # How users ask for each section, by heading (front matter ``questions``); they are
    # embedded and indexed with the section but never shown as its text.
    questions: dict[str, tuple[str, ...]] = field(default_factory=dict)


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise LoadError(path, f"cannot be read ({error.strerror or error})") from error
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise LoadError(path, f"is not valid UTF-8 text (byte {error.start})") from error


_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*(?:\n|\Z)", re.DOTALL)


_Loaded = tuple[str, str, str, tuple[str, ...], dict[str, tuple[str, ...]]]


def _questions(path: Path, value: object) -> dict[str, tuple[str, ...]]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, list) for v in value.values()):
        raise LoadError(
            path, "has front matter 'questions' that is not a mapping of heading to a list"
        )
    return {
        str(k).strip(): tuple(str(q).strip() for q in v if str(q).strip()) for k, v in value.items()
    }


def _load_markdown(path: Path) -> _Loaded:
    text = _read_text(path)
    meta: dict[str, object] = {}
    match = _FRONT_MATTER.match(text)
    if match:
        try:
            loaded = yaml.safe_load(match.group(1))
        except yaml.YAMLError as error:
            raise LoadError(
                path, f"has invalid front matter ({error.__class__.__name__})"
            ) from error
        if loaded is not None and not isinstance(loaded, dict):
            raise LoadError(path, "has front matter that is not a mapping")
        meta = loaded or {}
        text = text[match.end() :]
    title = str(meta.get("title") or "").strip()
    if not title:
        heading = re.search(r"^#\s+(.+)$", text, re.MULTILINE)
        title = heading.group(1).strip() if heading else _title_from_name(path)
    tags_value = meta.get("tags") or ()
    tags = tuple(str(t) for t in tags_value) if isinstance(tags_value, list) else ()
    summary = str(meta.get("summary") or "").strip()
    return title, text, summary, tags, _questions(path, meta.get("questions"))


def _title_from_name(path: Path) -> str:
    return re.sub(r"[-_]+", " ", path.stem).strip().capitalize() or path.name


def _load_text(path: Path) -> _Loaded:
    return _title_from_name(path), _read_text(path), "", (), {}


def _load_html(path: Path) -> _Loaded:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(_read_text(path), "html.parser")
    for tag in soup(["script", "style", "nav", "footer", "header", "noscript"]):
        tag.decompose()
    lines: list[str] = []
    for element in soup.find_all(["h1", "h2", "h3", "h4", "p", "li", "td", "pre", "blockquote"]):
        text = " ".join(element.get_text(" ", strip=True).split())
        if not text:
            continue
        name = element.name
        if name in ("h1", "h2", "h3"):
            lines.append(f"\n{'#' * int(name[1])} {text}\n")
        elif name == "li":
            lines.append(f"- {text}")
        else:
            lines.append(f"{text}\n")
    title_tag = soup.find("title")
    h1 = soup.find("h1")
    title = (title_tag.get_text(strip=True) if title_tag else "") or (
        h1.get_text(" ", strip=True) if h1 else ""
    )
    return title or _title_from_name(path), "\n".join(lines), "", (), {}


def _load_pdf(path: Path) -> _Loaded:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        pages = [page.extract_text() or "" for page in reader.pages]
        info_title = (reader.metadata.title if reader.metadata else None) or ""
    except (PdfReadError, ValueError, KeyError, TypeError) as error:
        raise LoadError(path, f"is not a readable PDF ({error})") from error
    except OSError as error:
        raise LoadError(path, f"cannot be read ({error.strerror or error})") from error
    # Each page becomes a section, so a citation can name the page.
    body = "\n\n".join(
        f"## Page {n}\n\n{text.strip()}" for n, text in enumerate(pages, 1) if text.strip()
    )
    return str(info_title).strip() or _title_from_name(path), body, "", (), {}


_LOADERS: dict[str, Callable[[Path], _Loaded]] = {
    ".md": _load_markdown,
    ".markdown": _load_markdown,
    ".txt": _load_text,
    ".html": _load_html,
    ".htm": _load_html,
    ".pdf": _load_pdf,
}


def load_document(path: Path, source: str) -> LoadedDocument:
    """Load one file; raises ``LoadError`` if it is unreadable, empty, corrupt or unsupported."""
    loader = _LOADERS.get(path.suffix.lower())
    if loader is None:
        raise LoadError(
            path,
            f"unsupported file type {path.suffix or '(none)'!r}; "
            f"supported: {', '.join(SUPPORTED_SUFFIXES)}",
        )
    if path.is_file() and path.stat().st_size == 0:
        raise LoadError(path, "is empty")
    title, body, summary, tags, questions = loader(path)
    if not re.search(r"\w", re.sub(r"^#+.*$", "", body, flags=re.MULTILINE)):
        raise LoadError(path, "is empty (no text to ingest)")
    digest = hashlib.sha256(f"{title}\0{body}\0{sorted(questions.items())}".encode()).hexdigest()
    return LoadedDocument(path, source, title, body, summary, tags, digest, questions)
