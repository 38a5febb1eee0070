"""Users' words for the knowledge base's terms ("POC" for pilot, "prod" for production)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from knowledge import KNOWLEDGE_ROOT

VOCABULARY_FILE = KNOWLEDGE_ROOT / "vocabulary.yaml"


class Vocabulary:
    """Adds the knowledge base's own terms to a question that uses a user's word for them."""

    def __init__(self, terms: dict[str, str]) -> None:
        self._patterns = [
            # A word also matches its plural ("experiments" for "experiment").
            (re.compile(rf"(?<![a-z0-9]){re.escape(word.lower())}(?:s|es)?(?![a-z0-9])"), meaning)
            for word, meaning in terms.items()
        ]

    @classmethod
    def load(cls, path: Path = VOCABULARY_FILE) -> Vocabulary:
        """Read the vocabulary file (a mapping of user words to knowledge-base terms)."""
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(data, dict):
            raise ValueError(f"{path}: expected a mapping of words to terms")
        return cls({str(k): str(v) for k, v in data.items()})

    def expand(self, question: str) -> str:
        """``question`` plus, in brackets, the terms its words stand for (unchanged if none)."""
        lowered = question.lower()
        extra = dict.fromkeys(
            meaning for pattern, meaning in self._patterns if pattern.search(lowered)
        )
        return f"{question} ({'; '.join(extra)})" if extra else question
