"""The embedding backends side by side: torch (sentence-transformers), ONNX Runtime, ONNX int8.

Each backend runs in its own processes, so its load time and peak RSS are its own, several
times in turn with the others (figures are medians over those runs). For each:
the model's load time (from a fresh process to the first vector; for ONNX also the one-time
export, and the int8 quantisation), one question's embedding time over the questions (p50,
p95, and p95 of the second of two passes), throughput over the texts a full ingest of the
knowledge base embeds (chunk texts, their phrasings and the out-of-scope bank, in ingest's
batches) and over the chunk texts alone, peak RSS, and the largest cosine distance from
torch's vector of the same text over all of them. Ratios are against torch (speed-up =
torch time / backend time). Then the ONNX thread settings, and length-sorted batching
against batches in text order.

    python benchmarks/bench_embeddings.py [--questions 200] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from benchmarks import workload  # noqa: E402
from benchmarks.stats import percentile  # noqa: E402

BACKENDS = ("torch", "onnx", "onnx-int8")
QUESTION_PASSES = 2
INT8_FILE = "model-int8.onnx"
EVAL_PREFIX = "eval-"
# The evaluation figures compared, as attributes of benchmarks.eval_set.Figures.
EVAL_FIGURES = ("hit1", "hit3", "facts", "refused", "answered_off")


# --- the texts (parent process only: the backends' processes import none of this) ---


def ingest_batches() -> tuple[list[list[str]], list[str], list[str]]:
    """The texts a full ingest embeds, in its batches; the chunk texts; the phrasings."""
    chunks = workload.guidance_chunks()
    phrasings = list(dict.fromkeys(q for c in chunks for q in c.questions))
    return workload.ingest_batches(chunks), [c.text for c in chunks], phrasings


def questions(count: int, phrasings: Sequence[str]) -> list[str]:
    """The chat benchmarks' questions, then the knowledge base's phrasings spread evenly."""
    from benchmarks.workload import QUESTIONS

    picked = list(QUESTIONS)
    step = max(1, len(phrasings) // max(1, count - len(picked)))
    picked.extend(phrasings[::step])
    return picked[:count]


# --- one backend, in its own process ---


def load_backend(backend: str, cache: Path) -> Any:
    """Load ``backend`` from scratch (imports included, as at a process's start)."""
    from adapters.index.embeddings import resolve_model_path
    from bot.settings import DEFAULT_MODEL

    if backend == "torch":
        from adapters.index.embeddings import load_embeddings

        return load_embeddings(DEFAULT_MODEL)
    from adapters.index.onnx_embeddings import (
        OnnxEmbeddings,
        export_folder,
        load_onnx_embeddings,
    )

    model_path = resolve_model_path(DEFAULT_MODEL)
    if backend == "onnx":
        return load_onnx_embeddings(model_path, cache)
    folder = export_folder(model_path, cache)
    return OnnxEmbeddings(model_path, folder / INT8_FILE)


def timed_rounds(rounds: int, work: Callable[[], object]) -> float:
    """The median time of ``rounds`` runs of ``work``."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def encode_sorted(embeddings: Any, batches: Sequence[list[str]]) -> None:
    """One ``embed_documents`` call per batch, as ingest makes them (sorted inside)."""
    for batch in batches:
        embeddings.embed_documents(batch)


def encode_in_order(embeddings: Any, batches: Sequence[list[str]]) -> None:
    """One call per ``batch_size`` texts: each run pads to its longest, as without sorting."""
    for batch in batches:
        for start in range(0, len(batch), embeddings.batch_size):
            embeddings.embed_documents(batch[start : start + embeddings.batch_size])


def run_backend(backend: str, work: Path) -> dict[str, Any]:
    """One run of ``backend`` in this fresh process: load, questions twice, the bulk texts."""
    import numpy as np

    texts = json.loads((work / "texts.json").read_text(encoding="utf-8"))
    start = time.perf_counter()
    embeddings = load_backend(backend, work / "cache")
    embeddings.embed_query("warm up")  # a first call may finish lazy set-up
    load_s = time.perf_counter() - start

    for question in texts["questions"][:10]:
        embeddings.embed_query(question)
    latencies: list[float] = []
    last_round: list[float] = []
    query_vectors: list[list[float]] = []
    for _ in range(QUESTION_PASSES):
        query_vectors, last_round = [], []
        for question in texts["questions"]:
            start = time.perf_counter()
            query_vectors.append(embeddings.embed_query(question))
            last_round.append((time.perf_counter() - start) * 1000)
        latencies.extend(last_round)

    batches: list[list[str]] = texts["batches"]
    documents: list[list[float]] = []

    def ingest_all() -> None:
        documents[:] = [v for b in batches for v in embeddings.embed_documents(b)]

    ingest_s = timed_rounds(1, ingest_all)
    chunks_s = timed_rounds(1, partial(encode_sorted, embeddings, [texts["chunks"]]))
    np.save(work / f"{backend}-queries.npy", np.asarray(query_vectors, dtype=np.float32))
    np.save(work / f"{backend}-documents.npy", np.asarray(documents, dtype=np.float32))
    return {
        "load_s": load_s,
        "p50_ms": statistics.median(latencies),
        "p95_ms": percentile(latencies, 0.95),
        # Without the first pass, to tell a warm-up cost (such as a first call at each new
        # input length) from the steady state.
        "p95_last_ms": percentile(last_round, 0.95),
        "ingest_per_s": sum(len(b) for b in batches) / ingest_s,
        "chunks_per_s": len(texts["chunks"]) / chunks_s,
        # Linux reports KiB.
        "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def run_export(work: Path) -> dict[str, Any]:
    """Export into an empty cache, then quantise the export to int8 weights."""
    from adapters.index.embeddings import resolve_model_path
    from adapters.index.onnx_embeddings import MODEL_FILE, export_folder, load_onnx_embeddings
    from bot.settings import DEFAULT_MODEL

    start = time.perf_counter()
    model_path = resolve_model_path(DEFAULT_MODEL)
    load_onnx_embeddings(model_path, work / "cache")
    export_s = time.perf_counter() - start

    import onnx
    from onnxruntime.quantization import (  # type: ignore[import-untyped, unused-ignore]
        QuantType,
        quantize_dynamic,
    )

    folder = export_folder(model_path, work / "cache")
    start = time.perf_counter()
    # Per-channel scales: with one scale per tensor the vectors drift much further from
    # torch's (smallest cosine 0.93 instead of 0.98 on the knowledge base), at equal speed.
    quantize_dynamic(
        folder / MODEL_FILE,
        folder / INT8_FILE,
        weight_type=QuantType.QInt8,
        per_channel=True,
        # Shape inference cannot type the outputs of the fused (com.microsoft) operators.
        extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
    )
    return {
        "export_s": export_s,
        "quantize_s": time.perf_counter() - start,
        "fp32_mib": (folder / MODEL_FILE).stat().st_size / 2**20,
        "int8_mib": (folder / INT8_FILE).stat().st_size / 2**20,
    }


def run_settings(work: Path, rounds: int) -> dict[str, Any]:
    """ONNX question latency and chunk throughput by threads and spinning; batching.

    Each round measures every setting in turn, and the figures are medians over rounds:
    on a shared machine the load drifts during a run, and measuring one setting after
    another would credit the drift to the settings.
    """
    from adapters.index.embeddings import resolve_model_path
    from adapters.index.onnx_embeddings import MODEL_FILE, OnnxEmbeddings, export_folder
    from bot.settings import DEFAULT_MODEL

    texts = json.loads((work / "texts.json").read_text(encoding="utf-8"))
    model_path = resolve_model_path(DEFAULT_MODEL)
    onnx_path = export_folder(model_path, work / "cache") / MODEL_FILE
    chunks: list[list[str]] = [texts["chunks"]]
    asked: list[str] = texts["questions"]

    by_threads = {
        (n, spinning): OnnxEmbeddings(model_path, onnx_path, threads=n, allow_spinning=spinning)
        for n in (1, 2)
        for spinning in (False, True)
    }
    latencies: dict[tuple[int, bool], list[float]] = {key: [] for key in by_threads}
    thread_times: dict[tuple[int, bool], list[float]] = {key: [] for key in by_threads}
    # Fixed batch sizes without the token limit, sorted and in text order; then the default.
    by_batch = {
        (size, limit): OnnxEmbeddings(
            model_path, onnx_path, batch_size=size, max_batch_tokens=limit
        )
        for size, limit in ((8, None), (16, None), (32, None), (64, None), (32, 2048))
    }
    batch_times: dict[tuple[int, int | None, str], list[float]] = {}
    for embeddings in (*by_threads.values(), *by_batch.values()):
        for question in asked[:10]:
            embeddings.embed_query(question)

    for _ in range(rounds):
        for key, embeddings in by_threads.items():
            for question in asked:
                start = time.perf_counter()
                embeddings.embed_query(question)
                latencies[key].append((time.perf_counter() - start) * 1000)
            thread_times[key].append(timed_rounds(1, partial(encode_sorted, embeddings, chunks)))
        for (size, limit), embeddings in by_batch.items():
            ways = [("sorted", encode_sorted)]
            if limit is None:  # with the limit, a call's batch would be split and sorted
                ways.append(("in_order", encode_in_order))
            for way, encode in ways:
                seconds = timed_rounds(1, partial(encode, embeddings, chunks))
                batch_times.setdefault((size, limit, way), []).append(seconds)

    threads = [
        {
            "threads": n,
            "spinning": spinning,
            "p50_ms": statistics.median(latencies[(n, spinning)]),
            "p95_ms": percentile(latencies[(n, spinning)], 0.95),
            "chunks_per_s": len(chunks[0]) / statistics.median(thread_times[(n, spinning)]),
        }
        for n, spinning in by_threads
    ]
    batching: list[dict[str, Any]] = []
    for size, limit in by_batch:
        row: dict[str, Any] = {"batch_size": size, "max_batch_tokens": limit}
        for (s, lim, way), times in batch_times.items():
            if (s, lim) == (size, limit):
                row[f"chunks_{way}"] = len(chunks[0]) / statistics.median(times)
        batching.append(row)
    return {"threads": threads, "batching": batching}


def run_evaluation(backend: str, work: Path) -> dict[str, Any]:
    """Every evaluation question answered over a store ``backend`` embeds; saved in ``work``."""
    from adapters.index.embeddings import Embedder
    from benchmarks.eval_answers import answer_all
    from benchmarks.eval_set import load_sets, save_outcomes
    from bot.settings import DEFAULT_MODEL

    embedder = Embedder(load_backend(backend, work / "cache"), backend, DEFAULT_MODEL)
    with tempfile.TemporaryDirectory(prefix="bench-eval-") as data_dir:
        outcomes, existing = answer_all(load_sets(), Path(data_dir), embedder=embedder)
    save_outcomes(outcomes, work / f"eval-{backend}.json")
    return {"labels": sorted(existing)}


def child(kind: str, work: Path, rounds: int) -> None:
    if kind == "export":
        result = run_export(work)
    elif kind == "settings":
        result = run_settings(work, rounds)
    elif kind.startswith(EVAL_PREFIX):
        result = run_evaluation(kind.removeprefix(EVAL_PREFIX), work)
    else:
        result = run_backend(kind, work)
    print(json.dumps(result))


def spawn(kind: str, work: Path, rounds: int) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter; returns what it printed last, as JSON."""
    done = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--work", str(work), "--runs", str(rounds)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"the {kind} run failed (exit {done.returncode})")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# --- the report ---


def combined(runs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The median of each figure over the runs; for peak RSS, the largest."""
    return {
        key: max(r[key] for r in runs)
        if key == "rss_mib"
        else statistics.median(r[key] for r in runs)
        for key in runs[0]
    }


def largest_distance(work: Path, backend: str) -> tuple[float, int]:
    """The largest 1 - cosine between ``backend``'s vectors and torch's, and how many."""
    import numpy as np

    distances = []
    for part in ("queries", "documents"):
        mine = np.load(work / f"{backend}-{part}.npy").astype(np.float64)
        torch = np.load(work / f"torch-{part}.npy").astype(np.float64)
        cosines = (mine * torch).sum(axis=1) / (
            np.linalg.norm(mine, axis=1) * np.linalg.norm(torch, axis=1)
        )
        distances.append(1.0 - cosines)
    every = np.concatenate(distances)
    return float(every.max()), len(every)


def markdown(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(" --- " for _ in headers) + "|"]
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument(
        "--runs",
        type=int,
        default=3,
        help="processes per backend, started in turn; figures are their medians",
    )
    parser.add_argument(
        "--skip-eval", action="store_true", help="leave out the evaluation figures (5 minutes)"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.work, args.runs)
        return

    batches, chunks, phrasings = ingest_batches()
    asked = questions(args.questions, phrasings)
    with tempfile.TemporaryDirectory(prefix="bench-embeddings-") as folder:
        work = Path(folder)
        (work / "texts.json").write_text(
            json.dumps({"questions": asked, "batches": batches, "chunks": chunks}),
            encoding="utf-8",
        )
        print(
            f"questions: {len(asked)} x {QUESTION_PASSES} passes; ingest texts: "
            f"{sum(len(b) for b in batches)} in {len(batches)} batches; chunk texts: "
            f"{len(chunks)} (mean {statistics.mean(map(len, chunks)):.0f} characters); "
            f"{os.cpu_count()} CPUs; {args.runs} runs of each backend, in turn"
        )
        export = spawn("export", work, args.runs)
        print(
            f"onnx export (first start, empty cache): {export['export_s']:.1f} s, "
            f"{export['fp32_mib']:.0f} MiB; int8 quantisation: {export['quantize_s']:.1f} s, "
            f"{export['int8_mib']:.0f} MiB"
        )
        # Backends in turn, several times: the machine's load drifts during a run, and
        # measuring one backend after the other would credit the drift to the backends.
        runs: dict[str, list[dict[str, Any]]] = {b: [] for b in BACKENDS}
        for run in range(1, args.runs + 1):
            for backend in BACKENDS:
                r = spawn(backend, work, args.runs)
                runs[backend].append(r)
                print(
                    f"  run {run} {backend:<10} load {r['load_s']:5.2f} s  p50 {r['p50_ms']:6.2f}  "
                    f"p95 {r['p95_ms']:6.2f}  2nd pass p95 {r['p95_last_ms']:6.2f} ms  "
                    f"ingest {r['ingest_per_s']:4.0f}/s  chunks {r['chunks_per_s']:5.1f}/s"
                )
        results = {b: combined(runs[b]) for b in BACKENDS}
        for backend in BACKENDS:
            r = results[backend]
            print(
                f"{backend:<10} load {r['load_s']:5.2f} s  p50 {r['p50_ms']:6.2f} ms  "
                f"p95 {r['p95_ms']:6.2f} ms (2nd pass {r['p95_last_ms']:6.2f})  "
                f"ingest {r['ingest_per_s']:6.0f}/s  "
                f"chunks {r['chunks_per_s']:5.1f}/s  peak RSS {r['rss_mib']:5.0f} MiB"
            )
        distances = {b: largest_distance(work, b) for b in BACKENDS[1:]}
        for backend, (distance, count) in distances.items():
            print(f"{backend:<10} largest 1 - cosine from torch over {count} texts: {distance:.2e}")
        settings = spawn("settings", work, max(3, args.runs))
        evaluation = None if args.skip_eval else evaluate(work, args.runs)

    base = results["torch"]
    rows = []
    for backend in BACKENDS:
        r = results[backend]
        rows.append(
            [
                backend,
                f"{r['load_s']:.2f} ({base['load_s'] / r['load_s']:.1f}x)",
                f"{export['export_s']:.1f}"
                if backend == "onnx"
                else (f"+{export['quantize_s']:.1f}" if backend == "onnx-int8" else "-"),
                f"{r['p50_ms']:.2f} ({base['p50_ms'] / r['p50_ms']:.1f}x)",
                f"{r['p95_ms']:.2f} ({base['p95_ms'] / r['p95_ms']:.1f}x)",
                f"{r['p95_last_ms']:.2f} ({base['p95_last_ms'] / r['p95_last_ms']:.1f}x)",
                f"{r['ingest_per_s']:.0f} ({r['ingest_per_s'] / base['ingest_per_s']:.1f}x)",
                f"{r['chunks_per_s']:.1f} ({r['chunks_per_s'] / base['chunks_per_s']:.1f}x)",
                f"{r['rss_mib']:.0f} ({r['rss_mib'] / base['rss_mib']:.2f}x)",
                f"{distances[backend][0]:.1e}" if backend in distances else "-",
            ]
        )
    print("\nONNX thread settings (the backend's default: all CPUs, no spinning)\n")
    print(
        markdown(
            ["intra-op threads", "spinning", "question p50 ms", "p95 ms", "chunks/s"],
            [
                [
                    str(t["threads"]),
                    "yes" if t["spinning"] else "no",
                    f"{t['p50_ms']:.2f}",
                    f"{t['p95_ms']:.2f}",
                    f"{t['chunks_per_s']:.1f}",
                ]
                for t in settings["threads"]
            ],
        )
    )
    print(
        "\nONNX batching: chunk texts/s, length-sorted batches against batches in text "
        "order (the last row is the backend's default)\n"
    )
    print(
        markdown(
            ["batch", "chunks/s sorted", "chunks/s in text order"],
            [
                [
                    f"{b['batch_size']} texts"
                    + (f", <= {b['max_batch_tokens']} tokens" if b["max_batch_tokens"] else ""),
                    f"{b['chunks_sorted']:.1f}",
                    f"{b['chunks_in_order']:.1f}" if "chunks_in_order" in b else "-",
                ]
                for b in settings["batching"]
            ],
        )
    )
    print(
        "\nmedians of the runs (peak RSS: the largest); "
        "load: fresh process to first vector, imports included; export: once per model, "
        "on the first start (int8: quantising that export, extra); ratios against torch "
        "(speed-up = torch time / backend time; RSS = backend / torch); question p95 over "
        "both passes, and over the second pass only (a warm-up cost shows in the first "
        "figure only); cos diff: largest 1 - cosine from torch's vector of the same text\n"
    )
    print(
        markdown(
            [
                "backend",
                "load s",
                "export s",
                "question p50 ms",
                "question p95 ms",
                "p95, 2nd pass",
                "ingest texts/s",
                "chunks/s",
                "peak RSS MiB",
                "cos diff",
            ],
            rows,
        )
    )

    if evaluation is not None:
        print(
            "\nevaluation figures (benchmarks/eval_answers.py) over a store each backend "
            "embeds; in brackets: the difference from torch, in points\n"
        )
        print(evaluation)


def evaluate(work: Path, rounds: int) -> str:
    """The evaluation figures of each backend, against torch's, as a markdown table."""
    from benchmarks.eval_set import SPLITS, load_moves, load_outcomes, load_sets, score

    sets, moves = load_sets(), load_moves()
    figures: dict[str, dict[str, Any]] = {}
    identical: dict[str, int] = {}
    outcomes = {}
    for backend in BACKENDS:
        labels = set(spawn(EVAL_PREFIX + backend, work, rounds)["labels"])
        outcomes[backend] = load_outcomes(work / f"eval-{backend}.json")
        figures[backend] = {
            f"{s.name}/{split}": score(s.part(split), outcomes[backend], moves, labels)
            for s in sets
            for split in SPLITS
        }
        identical[backend] = sum(
            outcomes[backend][key] == outcome for key, outcome in outcomes["torch"].items()
        )
    rows = []
    for part in figures["torch"]:
        for backend in BACKENDS:
            mine, torch = figures[backend][part], figures["torch"][part]
            cells = [
                f"{getattr(mine, name):.1%}"
                + (
                    ""
                    if backend == "torch"
                    else f" ({100 * (getattr(mine, name) - getattr(torch, name)):+.1f})"
                )
                for name in EVAL_FIGURES
            ]
            rows.append([part, backend, *cells])
    table = markdown(
        ["set/split", "backend", "hit@1", "hit@3", "facts", "refused", "off-topic answered"],
        rows,
    )
    total = len(outcomes["torch"])
    same = "; ".join(
        f"{b}: {identical[b]} of {total} answers identical to torch's, "
        + (
            "equal on every figure"
            if all(
                getattr(figures[b][p], n) == getattr(figures["torch"][p], n)
                for p in figures["torch"]
                for n in EVAL_FIGURES
            )
            else "NOT equal on every figure"
        )
        for b in BACKENDS[1:]
    )
    return f"{table}\n\n{same}"


if __name__ == "__main__":
    main()
