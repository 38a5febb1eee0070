"""Section-aware splitting: each chunk keeps the heading path it sits under."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from langchain_text_splitters import MarkdownHeaderTextSplitter, RecursiveCharacterTextSplitter

from ingest.loaders import LoadedDocument

HEADING_SEPARATOR = " > "
_HEADERS = [("#", "h1"), ("##", "h2"), ("###", "h3")]


@dataclass(frozen=True)
class Chunk:
    """One embeddable piece of a document."""

    chunk_id: str
    text: str  # what is embedded and stored: the heading path, a blank line, then the body
    body: str
    source: str
    path: str
    title: str
    section: str
    heading_path: str
    questions: tuple[str, ...] = ()

    def metadata(self) -> dict[str, str]:
        """The metadata stored beside the chunk in the vector store."""
        return {
            "source": self.source,
            "path": self.path,
            "title": self.title,
            "section": self.section,
            "heading_path": self.heading_path,
            "questions": "\n".join(self.questions),
        }


def chunk_id(path: str, heading_path: str, body: str, questions: tuple[str, ...] = ()) -> str:
    """A chunk's id is a hash of where it comes from and what it says (and is asked as)."""
    asked = "\0".join(questions)
    return hashlib.sha256(f"{path}\0{heading_path}\0{body}\0{asked}".encode()).hexdigest()[:32]


def split_document(
    document: LoadedDocument, chunk_size: int = 1200, overlap: int = 120
) -> list[Chunk]:
    """Split a document by its headings, then bound each piece to ``chunk_size`` characters."""
    sections = MarkdownHeaderTextSplitter(_HEADERS, strip_headers=True).split_text(document.body)
    bounded = RecursiveCharacterTextSplitter(
        chunk_size=chunk_size,
        chunk_overlap=overlap,
        separators=["\n\n", "\n- ", "\n", ". ", " ", ""],
    )
    chunks: list[Chunk] = []
    seen: set[str] = set()
    for section in sections:
        headings = [str(section.metadata[key]) for _, key in _HEADERS if key in section.metadata]
        # The document title heads every path; an H1 equal to it is not repeated.
        if headings and headings[0] == document.title:
            headings = headings[1:]
        heading_path = HEADING_SEPARATOR.join([document.title, *headings])
        section_name = HEADING_SEPARATOR.join(headings)
        questions = document.questions.get(headings[-1] if headings else document.title, ())
        for piece in bounded.split_text(section.page_content):
            body = piece.strip()
            if not body:
                continue
            identifier = chunk_id(str(document.path), heading_path, body, questions)
            if identifier in seen:  # the same text twice in one section adds nothing
                continue
            seen.add(identifier)
            chunks.append(
                Chunk(
                    chunk_id=identifier,
                    text=f"{heading_path}\n\n{body}",
                    body=body,
                    source=document.source,
                    path=str(document.path),
                    title=document.title,
                    section=section_name,
                    heading_path=heading_path,
                    questions=questions,
                )
            )
    return chunks
