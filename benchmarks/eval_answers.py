"""Answer quality on the evaluation sets, per set and split (benchmarks/eval_set.py).

Prints, for each set's tuning and sealed parts: section hit@1 and hit@3, the share of
facts found, on-topic questions wrongly refused, off-topic questions wrongly
answered, and the median and longest answer. Constants, phrasings and vocabulary
are chosen on the tuning parts only; the sealed parts are only measured, so their
misses are not printed unless asked for.

    python benchmarks/eval_answers.py                      # every set, both splits
    python benchmarks/eval_answers.py --misses             # and what the tuning parts missed
    python benchmarks/eval_answers.py --save outcomes.json # keep the answers
    python benchmarks/eval_answers.py --score outcomes.json --native-labels
        # score answers saved by another checkout (the code before a change, say);
        # --native-labels when its knowledge base still has the sets' original headings
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

from benchmarks.eval_set import (  # noqa: E402
    HEADER,
    SPLITS,
    EvalSet,
    Outcome,
    answer_outcomes,
    load_moves,
    load_outcomes,
    load_sets,
    save_outcomes,
    score,
    section_labels,
)


def answer_all(
    sets: list[EvalSet], data_dir: Path, backend: str = "torch", embedder: Any = None
) -> tuple[dict[str, Outcome], set[str]]:
    """Every question of ``sets`` answered by the advisor over a fresh store in ``data_dir``.

    The store is embedded by ``backend``, or by ``embedder`` (an ``Embedder``) if given.
    Returns the outcomes by question id and the labels of every section in the store.
    """
    from adapters.knowledge_runtime import open_knowledge
    from bot.settings import Settings

    settings = Settings(_env_file=None, data_dir=data_dir, embedding_backend=backend)  # type: ignore[call-arg]
    runtime = open_knowledge(settings, notify=lambda _: None, embedder=embedder)
    existing = section_labels(runtime.store.sections())
    items = [item for s in sets for item in (*s.on_topic, *s.off_topic)]
    outcomes = answer_outcomes(runtime.answerer, items)
    return outcomes, existing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="print the tuning parts' misses")
    parser.add_argument(
        "--show-sealed", action="store_true", help="print the sealed parts' misses too"
    )
    parser.add_argument("--save", type=Path, help="write the outcomes to this JSON file")
    parser.add_argument(
        "--backend", choices=("torch", "onnx"), default="torch", help="the embedding backend"
    )
    parser.add_argument("--score", type=Path, help="score outcomes from this JSON file instead")
    parser.add_argument(
        "--native-labels",
        action="store_true",
        help="with --score: the answers name sections by the sets' original headings",
    )
    args = parser.parse_args()
    sets = load_sets()
    started = time.perf_counter()
    if args.score:
        outcomes = load_outcomes(args.score)
        existing: set[str] | None = None
    else:
        with tempfile.TemporaryDirectory() as data_dir:
            outcomes, existing = answer_all(sets, Path(data_dir), args.backend)
    if args.save:
        save_outcomes(outcomes, args.save)
    moves = {} if args.native_labels else load_moves()
    print(HEADER)
    shown = []
    for eval_set in sets:
        for split in SPLITS:
            figures = score(eval_set.part(split), outcomes, moves, existing)
            print(figures.row())
            if args.misses and (split == "tuning" or args.show_sealed):
                shown.append(figures)
    for figures in shown:
        print(f"\n{figures.name} misses:")
        for miss in figures.misses:
            print(f"  {miss}")
    print(f"\n{len(outcomes)} questions in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
