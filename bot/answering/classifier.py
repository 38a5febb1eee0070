"""Which section a question asks for, learned from the ways users ask for each section.

A multinomial logistic regression over the embedding space, fitted on every stored
phrasing (labelled with its section), every section's own text, and the out-of-scope
bank (labelled with its kind). Nearest-neighbour similarity rewards whichever single
phrasing happens to be closest; the classifier weighs all of a section's phrasings
against all of its neighbours', which tells close sections apart better.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.linear_model import LogisticRegression

# Inverse regularisation strength, chosen on the tuning parts of the evaluation sets.
REGULARISATION_C = 64.0
MAX_ITERATIONS = 3000


class SectionClassifier:
    """Probabilities over labels (section ids and out-of-scope kinds) for a query vector."""

    def __init__(self, vectors: np.ndarray, labels: Sequence[str]) -> None:
        """Fit on ``vectors`` (one row per example) labelled ``labels``."""
        self._labels: list[str] = sorted(set(labels))
        self._model: LogisticRegression | None = None
        if len(self._labels) >= 2:
            index = {label: n for n, label in enumerate(self._labels)}
            targets = np.asarray([index[label] for label in labels])
            model = LogisticRegression(C=REGULARISATION_C, max_iter=MAX_ITERATIONS)
            self._model = model.fit(vectors, targets)

    def probabilities(self, vector: np.ndarray) -> dict[str, float]:
        """Each label's probability for ``vector`` (empty when there is nothing to tell apart)."""
        if self._model is None:
            return {}
        row = self._model.predict_proba(vector.reshape(1, -1))[0]
        classes = self._model.classes_
        return {self._labels[int(c)]: float(p) for c, p in zip(classes, row, strict=True)}
