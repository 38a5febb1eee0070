"""Latency of `ask` over the evaluation questions in one warm process, against a floor.

The floor is the least any dense retrieval must do for a question: embed it once and
run one Chroma query on the same store. Prints p50 and p95 of both and their ratio
(target: p50 of ask at most 1.5 times the floor's).

    python benchmarks/bench_answer.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

from adapters.knowledge_runtime import open_knowledge  # noqa: E402
from benchmarks.eval_set import load_sets  # noqa: E402
from benchmarks.stats import percentile  # noqa: E402
from bot.settings import Settings  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--backend", choices=("torch", "onnx"), help="embedding backend (default: the setting)"
    )
    args = parser.parse_args()
    questions = [
        item.question for s in load_sets() for item in (*s.on_topic, *s.off_topic)
    ]

    with tempfile.TemporaryDirectory() as data_dir:
        runtime = open_knowledge(
            Settings(  # type: ignore[call-arg]
                _env_file=None,
                data_dir=Path(data_dir),
                **({"embedding_backend": args.backend} if args.backend else {}),
            ),
            notify=lambda _: None,
        )
        embeddings, store = runtime.store.embeddings, runtime.store
        for question in questions[:10]:  # warm up both paths
            runtime.answerer.answer(question)
        ask_ms: list[float] = []
        floor_ms: list[float] = []
        for _ in range(args.rounds):
            for question in questions:
                start = time.perf_counter()
                vector = embeddings.embed_query(question)
                store.nearest_sections(vector, 16)
                floor_ms.append((time.perf_counter() - start) * 1000)
                start = time.perf_counter()
                runtime.answerer.answer(question)
                ask_ms.append((time.perf_counter() - start) * 1000)

    p50_ask, p50_floor = statistics.median(ask_ms), statistics.median(floor_ms)
    print(f"questions: {len(questions)} x {args.rounds} rounds, chunks: {runtime.retriever.size}")
    # The floor is measured with the same embeddings as the answers: the chosen backend's.
    print(f"embeddings: {runtime.store.made_by}")
    print(f"ask    p50 {p50_ask:7.2f} ms   p95 {percentile(ask_ms, 0.95):7.2f} ms")
    print(f"floor  p50 {p50_floor:7.2f} ms   p95 {percentile(floor_ms, 0.95):7.2f} ms")
    print(
        f"ratio  p50 {p50_ask / p50_floor:.2f} (target <= 1.5)   "
        f"p95 {percentile(ask_ms, 0.95) / percentile(floor_ms, 0.95):.2f}"
    )


if __name__ == "__main__":
    main()
