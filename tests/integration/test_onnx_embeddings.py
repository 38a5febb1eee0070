"""The ONNX Runtime embedding backend against the torch one, with the real packaged model.

The model is exported once for the module; the tests that damage an export work on a copy.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from langchain_core.embeddings import Embeddings
from tokenizers import Tokenizer

from adapters.index import onnx_embeddings
from adapters.index.embeddings import load_embeddings, resolve_model_path
from adapters.index.onnx_embeddings import (
    MANIFEST_FILE,
    MODEL_FILE,
    OnnxEmbeddings,
    OnnxUnavailableError,
    export_folder,
    export_onnx,
    load_onnx_embeddings,
)

pytestmark = pytest.mark.integration

MODEL = "all-MiniLM-L6-v2"
SAME = 0.9999  # cosine between the two backends' vectors of one text

QUESTION = "How do we move a pilot into production?"
LONG = (
    "Most organisations find that the first AI pilot is the easy part. A small team picks a "
    "promising use case, gathers whatever data is at hand, trains a model in a notebook and "
    "shows a convincing demo to the sponsors. The hard part starts when that pilot has to run "
    "every day for real users: the data pipelines must be rebuilt so that they are repeatable "
    "and monitored, the model has to be versioned and deployed through the same release "
    "process as other software, and someone has to own it when it drifts or breaks at night. "
    "Governance arrives at the same time, because a model that makes decisions about customers "
    "needs a risk assessment, documentation of its training data, a record of who approved "
    "it, and a plan for what happens when it is wrong. Funding changes too: a pilot is paid "
    "from an innovation budget, while a production service needs a cost centre, a service "
    "level and a team that will still be there next year. Companies that scale well treat "
    "these steps as a product in their own right, with a shared platform for features, "
    "training, deployment and monitoring, so that the second and the tenth use case reuse "
    "what the first one built instead of starting again from a blank notebook. They also "
    "measure value in business terms from the start, so that the decision to expand, change "
    "or stop a use case rests on evidence rather than on enthusiasm or on the sunk cost."
)
NON_ASCII = "Wie skalieren wir KI über Pilotprojekte hinaus? Ça coûte combien — 日本語と中文 🚀"
MULTILINE = "Governance checklist:\n\n- risk tiers\n- model cards\n- human review"
TEXTS = {
    "question": QUESTION,
    "long": LONG,
    "punctuation": "?",
    "non-ascii": NON_ASCII,
    "multiline": MULTILINE,
}
# Not in length order, so embed_documents must put its length-sorted batches back.
IN_ORDER = ["?", LONG, QUESTION, NON_ASCII, MULTILINE]


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(x @ y / (np.linalg.norm(x) * np.linalg.norm(y)))


@pytest.fixture(scope="module")
def model_path() -> Path:
    return resolve_model_path(MODEL)


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory, model_path: Path) -> Path:
    """A cache folder holding one export of the packaged model, made by the loader."""
    cache_dir = tmp_path_factory.mktemp("onnx-cache")
    load_onnx_embeddings(model_path, cache_dir)
    return cache_dir


@pytest.fixture(scope="module")
def onnx_backend(cache: Path, model_path: Path) -> OnnxEmbeddings:
    return load_onnx_embeddings(model_path, cache)


@pytest.fixture(scope="module")
def torch_backend() -> Embeddings:
    return load_embeddings(MODEL)


@pytest.fixture
def cache_copy(cache: Path, tmp_path: Path) -> Path:
    """A copy of the module's cache, free to damage."""
    copy = tmp_path / "cache"
    shutil.copytree(cache, copy)
    return copy


def count_exports(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Record each real export's folder."""
    calls: list[Path] = []
    real: Callable[..., None] = onnx_embeddings._export

    def counting(spec: Any, target_dir: Path, fingerprint: Any) -> None:
        calls.append(target_dir)
        real(spec, target_dir, fingerprint)

    monkeypatch.setattr(onnx_embeddings, "_export", counting)
    return calls


class ExportAttempted(Exception):
    pass


def forbid_export(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object) -> None:
        raise ExportAttempted

    monkeypatch.setattr(onnx_embeddings, "_export", refuse)


@pytest.mark.parametrize("name", list(TEXTS))
def test_query_vector_equals_torch(
    name: str, onnx_backend: OnnxEmbeddings, torch_backend: Embeddings
) -> None:
    vector = onnx_backend.embed_query(TEXTS[name])
    assert len(vector) == 384
    assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-5)
    assert cosine(vector, torch_backend.embed_query(TEXTS[name])) >= SAME


@pytest.mark.parametrize(
    ("batch_size", "max_batch_tokens"), [(1, None), (2, None), (32, None), (32, 300)]
)
def test_document_vectors_equal_torch_in_the_given_order(
    batch_size: int,
    max_batch_tokens: int | None,
    onnx_backend: OnnxEmbeddings,
    model_path: Path,
    torch_backend: Embeddings,
) -> None:
    by_length = sorted(IN_ORDER, key=len, reverse=True)
    assert by_length != IN_ORDER  # else the order would survive a lost permutation
    backend = OnnxEmbeddings(
        model_path,
        onnx_backend.onnx_path,
        batch_size=batch_size,
        max_batch_tokens=max_batch_tokens,
    )

    vectors = backend.embed_documents(IN_ORDER)
    expected = torch_backend.embed_documents(IN_ORDER)

    assert len(vectors) == len(IN_ORDER)
    for i, text in enumerate(IN_ORDER):
        assert cosine(vectors[i], expected[i]) >= SAME, text[:40]
        others = [cosine(vectors[i], expected[j]) for j in range(len(IN_ORDER)) if j != i]
        assert max(others) < 0.95  # the texts are told apart, so a swap would show


@pytest.mark.parametrize(
    ("batch_size", "max_batch_tokens", "runs"),
    [
        # Runs as (texts, padded tokens): longest first, neighbours in length together.
        (4, None, [(4, 256), (4, 7), (3, 7)]),
        # 3 x 7 tokens fit in 24, 4 x 7 do not; the long text, over any limit, runs alone.
        (8, 24, [(1, 256), (3, 7), (3, 7), (3, 7), (1, 3)]),
    ],
)
def test_runs_keep_to_the_count_and_token_limits(
    batch_size: int,
    max_batch_tokens: int | None,
    runs: list[tuple[int, int]],
    onnx_backend: OnnxEmbeddings,
    model_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    backend = OnnxEmbeddings(
        model_path, onnx_backend.onnx_path, batch_size=batch_size, max_batch_tokens=max_batch_tokens
    )
    shapes: list[tuple[int, int]] = []
    real = backend._encode

    def recording(encodings: Sequence[Any]) -> Any:
        shapes.append((len(encodings), max(len(e.ids) for e in encodings)))
        return real(encodings)

    monkeypatch.setattr(backend, "_encode", recording)
    texts = [f"question number {i} about scaling" for i in range(9)]  # 7 tokens each
    texts[4:4] = [LONG]
    texts.append("?")  # 3 tokens

    vectors = backend.embed_documents(texts)

    assert len(vectors) == len(texts)
    assert shapes == runs


def test_no_documents_give_no_vectors(onnx_backend: OnnxEmbeddings) -> None:
    assert onnx_backend.embed_documents([]) == []


def test_long_text_is_cut_at_the_models_maximum_length(
    onnx_backend: OnnxEmbeddings, model_path: Path
) -> None:
    untruncated = Tokenizer.from_file(str(model_path / "tokenizer.json"))
    untruncated.no_truncation()
    assert onnx_backend.spec.max_seq_length == 256
    assert len(untruncated.encode(LONG).ids) > 256
    tail = " Instead, tell me about the best pizza in Naples and the history of the margherita."

    def changed(text: str) -> float:
        return cosine(onnx_backend.embed_query(text), onnx_backend.embed_query(text + tail))

    # Past the limit, more text changes nothing; before it, the same tail does.
    assert changed(LONG) > 0.99999
    assert changed(QUESTION) < 0.9


def test_a_second_load_reuses_the_export(
    cache: Path, onnx_backend: OnnxEmbeddings, model_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = export_folder(model_path, cache)
    before = (folder / MODEL_FILE).stat()
    manifest = (folder / MANIFEST_FILE).read_bytes()
    forbid_export(monkeypatch)

    again = load_onnx_embeddings(model_path, cache)

    after = (folder / MODEL_FILE).stat()
    assert (after.st_ino, after.st_mtime_ns, after.st_size) == (
        before.st_ino,
        before.st_mtime_ns,
        before.st_size,
    )
    assert (folder / MANIFEST_FILE).read_bytes() == manifest
    assert again.onnx_path == onnx_backend.onnx_path
    assert again.embed_query(QUESTION) == pytest.approx(onnx_backend.embed_query(QUESTION))


def test_the_manifest_names_the_source_and_the_exporter(cache: Path, model_path: Path) -> None:
    manifest = json.loads((export_folder(model_path, cache) / MANIFEST_FILE).read_text())
    assert manifest["source"]["name"] == model_path.name
    assert [w["file"] for w in manifest["source"]["weights"]] == ["model.safetensors"]
    assert manifest["inputs"] == ["input_ids", "attention_mask", "token_type_ids"]
    assert manifest["exported_with"]["torch"] and manifest["exported_with"]["onnx"]


def test_the_served_graph_is_fused(onnx_backend: OnnxEmbeddings) -> None:
    # Fused attention, embedding and layer norms: the graph that embeds a question fastest
    # (its vectors are held to torch's by the tests above).
    import onnx

    operators = {node.op_type for node in onnx.load(str(onnx_backend.onnx_path)).graph.node}
    assert {"Attention", "EmbedLayerNormalization", "SkipLayerNormalization"} <= operators
    assert "Softmax" not in operators


def test_a_cut_short_model_file_is_exported_again(
    cache_copy: Path, model_path: Path, torch_backend: Embeddings, monkeypatch: pytest.MonkeyPatch
) -> None:
    model_file = export_folder(model_path, cache_copy) / MODEL_FILE
    whole = model_file.stat().st_size
    with model_file.open("r+b") as handle:  # as a crash halfway through a copy would leave it
        handle.truncate(whole // 2)
    exports = count_exports(monkeypatch)

    backend = load_onnx_embeddings(model_path, cache_copy)

    assert exports == [model_file.parent]
    assert model_file.stat().st_size > whole // 2
    assert cosine(backend.embed_query(LONG), torch_backend.embed_query(LONG)) >= SAME
    assert not list(model_file.parent.glob("*.tmp"))


def _flip_bytes(folder: Path) -> None:
    model_file = folder / MODEL_FILE
    with model_file.open("r+b") as handle:  # same size: only the hash can tell
        handle.seek(model_file.stat().st_size // 2)
        block = handle.read(16)
        handle.seek(-16, 1)
        handle.write(bytes(b ^ 0xFF for b in block))


def _drop_manifest(folder: Path) -> None:
    # What a crash after the model's rename and before the manifest's leaves.
    (folder / MANIFEST_FILE).unlink()


def _older_weights(folder: Path) -> None:
    # The export was made from other weights than the folder now holds.
    manifest = json.loads((folder / MANIFEST_FILE).read_text())
    manifest["source"]["weights"][0]["mtime_ns"] -= 1
    (folder / MANIFEST_FILE).write_text(json.dumps(manifest))


@pytest.mark.parametrize("damage", [_flip_bytes, _drop_manifest, _older_weights])
def test_an_export_that_does_not_match_is_not_reused(
    damage: Callable[[Path], None],
    cache_copy: Path,
    model_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder = export_folder(model_path, cache_copy)
    forbid_export(monkeypatch)
    load_onnx_embeddings(model_path, cache_copy)  # undamaged, it is reused

    damage(folder)

    with pytest.raises(ExportAttempted):
        load_onnx_embeddings(model_path, cache_copy)


def test_a_failed_export_leaves_nothing_to_reuse(
    model_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import torch

    def half_then_crash(model: object, args: object, f: str, **_: object) -> None:
        Path(f).write_bytes(b"\x08\x07half a model")
        raise RuntimeError("the exporter fell over")

    monkeypatch.setattr(torch.onnx, "export", half_then_crash)
    target = tmp_path / "export"
    target.mkdir()
    (target / ".model-crashed.onnx.tmp").write_bytes(b"left by an earlier crash")

    with pytest.raises(OnnxUnavailableError) as raised:
        export_onnx(model_path, target)

    assert "RuntimeError" in str(raised.value)
    assert "fell over" not in str(raised.value)  # one clean line, the details chained
    assert isinstance(raised.value.__cause__, RuntimeError)
    assert sorted(p.name for p in target.iterdir()) == [".export.lock"]


def test_a_folder_that_is_not_a_model_raises_the_clear_error(tmp_path: Path) -> None:
    folder = tmp_path / "not-a-model"
    folder.mkdir()
    (folder / "README.md").write_text("# notes\n")

    with pytest.raises(OnnxUnavailableError, match="not a sentence-transformers model"):
        load_onnx_embeddings(folder, tmp_path / "cache")
    with pytest.raises(OnnxUnavailableError):
        load_onnx_embeddings(tmp_path / "missing", tmp_path / "cache")
    assert not (tmp_path / "cache").exists()


def test_a_model_pooled_another_way_is_refused(model_path: Path, tmp_path: Path) -> None:
    folder = tmp_path / "cls-model"
    shutil.copytree(model_path, folder, ignore=shutil.ignore_patterns("*.safetensors"))
    pooling = json.loads((folder / "1_Pooling" / "config.json").read_text())
    pooling.update(pooling_mode_mean_tokens=False, pooling_mode_cls_token=True)
    (folder / "1_Pooling" / "config.json").write_text(json.dumps(pooling))

    with pytest.raises(OnnxUnavailableError, match="mean pooling"):
        load_onnx_embeddings(folder, tmp_path / "cache")


def test_an_unreadable_onnx_file_raises_the_clear_error(model_path: Path, tmp_path: Path) -> None:
    garbage = tmp_path / MODEL_FILE
    garbage.write_bytes(b"not a protobuf" * 100)

    with pytest.raises(OnnxUnavailableError, match="onnxruntime cannot load"):
        OnnxEmbeddings(model_path, garbage)
