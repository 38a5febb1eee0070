"""Full ingest time against encoding the same texts with the bare model, and a re-run.

Prints: the time of a full ingest of the built-in knowledge base into an empty store;
the time the bare sentence-transformers model takes to encode exactly the texts that
ingest embeds (chunk texts and their user phrasings); their ratio (target <= 1.3);
and the time of a second, unchanged ingest (target < 1 s, 0 chunks embedded).

    python benchmarks/bench_ingest.py
"""

from __future__ import annotations

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

from adapters.index.chroma import open_store  # noqa: E402
from adapters.index.embeddings import load_embeddings, resolve_model_path  # noqa: E402
from benchmarks import workload  # noqa: E402
from bot.answering.retrieval import HybridRetriever  # noqa: E402
from bot.settings import DEFAULT_MODEL, Settings  # noqa: E402
from ingest.pipeline import ingest  # noqa: E402
from knowledge import GUIDANCE_DIR  # noqa: E402

ROUNDS = 3


def texts_ingest_embeds() -> list[list[str]]:
    """The texts one full ingest embeds, in the same batches."""
    return workload.ingest_batches(workload.guidance_chunks())


def main() -> None:
    from sentence_transformers import SentenceTransformer

    embeddings = load_embeddings(DEFAULT_MODEL)
    bare = SentenceTransformer(str(resolve_model_path(DEFAULT_MODEL)), device="cpu")
    batches = texts_ingest_embeds()
    bare.encode(batches[0][:8], normalize_embeddings=True)  # warm up
    embeddings.embed_documents(batches[0][:8])

    # Alternate the two, several rounds, and compare medians: one pass of each drifts
    # with the machine's state by more than the difference being measured.
    floors: list[float] = []
    fulls: list[float] = []
    refreshes: list[float] = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for batch in batches:
            bare.encode(batch, normalize_embeddings=True)
        floors.append(time.perf_counter() - start)
        with tempfile.TemporaryDirectory() as data_dir:
            settings = Settings(_env_file=None, data_dir=Path(data_dir))  # type: ignore[call-arg]
            store = open_store(settings, embeddings)
            full = ingest(store, [GUIDANCE_DIR], settings.data_dir)
            fulls.append(full.seconds)
            again = ingest(store, [GUIDANCE_DIR], settings.data_dir)
            start = time.perf_counter()
            HybridRetriever(store, embeddings)  # what a first start does next
            refreshes.append(time.perf_counter() - start)
    floor, full_seconds = statistics.median(floors), statistics.median(fulls)

    texts = sum(len(b) for b in batches)
    print(f"texts embedded: {texts} ({full.chunks_added} chunks, phrasings, out-of-scope bank)")
    print(f"full ingest      {full_seconds:6.2f} s  (median of {ROUNDS})")
    print(f"bare encoding    {floor:6.2f} s  (median of {ROUNDS})")
    print(f"ratio            {full_seconds / floor:6.2f} (target <= 1.3)")
    print(
        f"retriever build  {statistics.median(refreshes):6.2f} s  (lexical index, vectors and "
        "the section classifier, fitted at every start)"
    )
    print(
        f"unchanged ingest {again.seconds:6.2f} s, chunks embedded: {again.chunks_added} "
        "(target < 1 s, 0)"
    )


if __name__ == "__main__":
    main()
