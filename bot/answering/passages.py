"""What retrieval hands to the answerers: a section of the guidance with its scores."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath


def section_label(source: str, section: str, title: str) -> str:
    """``file.md#Heading``: how curators and the evaluation sets name a section.

    The heading is the section's own (the last of its path), or the document title
    for a document's opening section.
    """
    heading = section.split(" > ")[-1] if section else title
    return f"{PurePosixPath(source).name}#{heading}"


@dataclass(frozen=True)
class Passage:
    """A retrieved section (chunk) with the evidence that it answers the question."""

    chunk_id: str
    body: str
    title: str
    section: str  # the heading path below the title ("" for a document's opening section)
    source: str  # the document as users see it, e.g. "guidance/platform-approach.md"
    heading_path: str  # "Title > Section"
    similarity: float  # cosine: the better of the section text's and its best phrasing's
    score: float = 0.0  # the ranking score: similarity plus lexical and heading evidence
    lexical: float = 0.0  # share of the question's term weight found in the section, 0..1
    ask: str = ""  # a question that asks for this section (its first phrasing), for "See also"

    @property
    def heading(self) -> str:
        """The section's own heading (the document title for its opening section)."""
        return self.section.split(" > ")[-1] if self.section else self.title

    @property
    def label(self) -> str:
        """``file.md#Heading`` (see ``section_label``)."""
        return section_label(self.source, self.section, self.title)
