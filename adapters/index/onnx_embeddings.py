"""The embedding model run by ONNX Runtime: the torch backend's vectors, with less CPU and memory.

The transformer of the sentence-transformers model is exported once with ``torch.onnx``
into a cache folder (see ``export_onnx``). Serving from that export needs only
onnxruntime, tokenizers and numpy: torch and transformers are imported only to export,
which keeps the start-up time and the resident memory of a serving process down.

Pooling and normalisation are done here in numpy, the way the model's sentence-transformers
modules do them (mean of the token vectors under the attention mask, then L2), and the
text is prepared the way the torch backend prepares it, so the two backends give the same
vectors to float precision and an index built by one can be queried by the other.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import tempfile
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import onnxruntime as ort  # type: ignore[import-untyped, unused-ignore]
from langchain_core.embeddings import Embeddings
from tokenizers import Encoding, Tokenizer

from bot.settings import configure_offline

__all__ = [
    "MANIFEST_FILE",
    "MODEL_FILE",
    "ModelSpec",
    "OnnxEmbeddings",
    "OnnxUnavailableError",
    "default_threads",
    "export_folder",
    "export_onnx",
    "load_onnx_embeddings",
    "read_model_spec",
]

MODEL_FILE = "model.onnx"
MANIFEST_FILE = "export.json"
# Bump when the exported graph changes (inputs, outputs, exporter settings): older
# exports in caches are then re-exported instead of being reused.
EXPORT_FORMAT = 2
# The ONNX operator set of the export; the model types whose graph is fused (see _fuse).
_OPSET = 17
_FUSABLE = frozenset({"bert"})
_OPTIMIZER_LOGGERS = ("fusion_", "onnx_model", "shape_infer", "symbolic_shape")
_LOCK_FILE = ".export.lock"
_TEMP_PREFIX = ".model-"
_TEMP_SUFFIX = ".onnx.tmp"
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
_WEIGHT_SUFFIXES = (".safetensors", ".bin")
# Largest difference allowed between the exported graph's sentence vectors and torch's
# when an export is checked, per vector component (the vectors have unit length; float32
# round-off between the two runtimes is around 1e-6).
_EXPORT_TOLERANCE = 1e-4

Int64Array = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float32]

logger = logging.getLogger(__name__)


class OnnxUnavailableError(RuntimeError):
    """The ONNX backend cannot serve this model: export or loading failed.

    Its message names the model folder or the file and the reason, never a text being
    embedded, so a caller can log it in one line and fall back to the torch backend.
    """


@dataclass(frozen=True)
class ModelSpec:
    """What the ONNX backend needs to know about a sentence-transformers model folder."""

    transformer_dir: Path  # the folder of the Transformer module: weights, config, tokenizer
    max_seq_length: int  # longer texts are cut to this many tokens, special tokens included
    do_lower_case: bool  # sentence-transformers lowercases the text itself before tokenising
    dimension: int | None  # the pooled vector's length, when the pooling config says it


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def read_model_spec(model_path: Path) -> ModelSpec:
    """Read a sentence-transformers model folder's modules and check ONNX can serve it.

    Supported is a Transformer module, then mean pooling, then optionally Normalize: the
    layout of all-MiniLM-L6-v2 and most sentence-transformers text models.

    Raises:
        OnnxUnavailableError: The folder is not such a model, or uses a layout (another
            pooling mode, Dense layers, ...) that this backend does not reproduce.

    """
    try:
        modules = _read_json(model_path / "modules.json")
    except (OSError, ValueError) as error:
        raise OnnxUnavailableError(
            f"{model_path} is not a sentence-transformers model folder (no readable modules.json)"
        ) from error
    if not isinstance(modules, list) or not all(isinstance(m, dict) for m in modules):
        raise OnnxUnavailableError(f"{model_path}/modules.json is not a list of modules")
    # sentence-transformers has moved its classes between packages over versions; the
    # class name is what identifies a module.
    kinds = [str(m.get("type", "")).rsplit(".", 1)[-1] for m in modules]
    if kinds not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
        raise OnnxUnavailableError(
            f"{model_path} has modules {kinds}; the ONNX backend supports Transformer, "
            "Pooling and an optional Normalize"
        )
    transformer_dir = model_path / str(modules[0].get("path", ""))
    pooling_dir = model_path / str(modules[1].get("path", ""))
    try:
        pooling = _read_json(pooling_dir / "config.json")
        config = _read_json(transformer_dir / "config.json")
    except (OSError, ValueError) as error:
        raise OnnxUnavailableError(
            f"{model_path} lacks a readable pooling or transformer config"
        ) from error
    modes = {key for key, value in pooling.items() if key.startswith("pooling_mode_") and value}
    if modes != {"pooling_mode_mean_tokens"}:
        raise OnnxUnavailableError(
            f"{model_path} pools with {sorted(modes)}; the ONNX backend supports mean pooling"
        )
    if not (transformer_dir / "tokenizer.json").is_file():
        raise OnnxUnavailableError(f"{model_path} has no tokenizer.json for the fast tokenizer")

    sbert_config = _read_optional(transformer_dir / "sentence_bert_config.json")
    max_length = sbert_config.get("max_seq_length")
    if not isinstance(max_length, int):
        # Without it, sentence-transformers falls back to the tokenizer's own limit.
        max_length = _read_optional(transformer_dir / "tokenizer_config.json").get(
            "model_max_length"
        )
    positions = config.get("max_position_embeddings")
    limits = [n for n in (max_length, positions) if isinstance(n, int) and 0 < n < 1_000_000]
    if not limits:
        raise OnnxUnavailableError(f"{model_path} does not say its maximum sequence length")
    dimension = pooling.get("word_embedding_dimension")
    return ModelSpec(
        transformer_dir=transformer_dir,
        max_seq_length=min(limits),
        do_lower_case=bool(sbert_config.get("do_lower_case", False)),
        dimension=dimension if isinstance(dimension, int) else None,
    )


def _read_optional(path: Path) -> dict[str, Any]:
    try:
        data = _read_json(path)
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _source_fingerprint(spec: ModelSpec, model_path: Path) -> dict[str, Any]:
    """What identifies the weights an export came from: a changed model must not reuse it.

    The weights are identified by size and modification time rather than a hash, which
    would cost a read of every weights file at every start.
    """
    weights = sorted(
        p for p in spec.transformer_dir.iterdir() if p.is_file() and p.suffix in _WEIGHT_SUFFIXES
    )
    if not weights:
        raise OnnxUnavailableError(f"{model_path} has no weights file to export")
    config_bytes = (spec.transformer_dir / "config.json").read_bytes()
    return {
        "name": model_path.name,
        "path": str(model_path.resolve()),
        "config_sha256": hashlib.sha256(config_bytes).hexdigest(),
        "weights": [
            {"file": p.name, "size": p.stat().st_size, "mtime_ns": p.stat().st_mtime_ns}
            for p in weights
        ],
    }


def _versions() -> dict[str, str | None]:
    """The exporter's versions, recorded in the manifest to explain an export later."""
    found: dict[str, str | None] = {}
    for name in ("torch", "transformers", "onnx", "onnxruntime"):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _valid_export(target_dir: Path, fingerprint: Mapping[str, Any]) -> bool:
    """Whether ``target_dir`` holds a complete export of exactly this model.

    The manifest is written only after the model file is in place and records the model
    file's size and hash, so a missing manifest, an export of other weights, and a model
    file that was cut short or altered after the export all count as no export.
    """
    model_file = target_dir / MODEL_FILE
    try:
        manifest = _read_json(target_dir / MANIFEST_FILE)
        size = model_file.stat().st_size
    except (OSError, ValueError):
        return False
    if not isinstance(manifest, dict):
        return False
    return (
        manifest.get("format") == EXPORT_FORMAT
        and manifest.get("source") == fingerprint
        and manifest.get("model_size") == size
        # Hashing the ~90 MB file costs ~50 ms, and catches a damaged file whose size
        # survived, which onnxruntime might load and silently compute wrong vectors from.
        and manifest.get("model_sha256") == _sha256(model_file)
    )


@contextlib.contextmanager
def _export_lock(target_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``target_dir``'s export, across processes.

    Several workers starting at once then export once: the others wait and reuse it.
    """
    with (target_dir / _LOCK_FILE).open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def export_onnx(model_path: Path, target_dir: Path) -> Path:
    """Export the transformer of the model at ``model_path`` to ``target_dir/model.onnx``.

    An existing export of the same weights is reused. Otherwise the model is exported
    offline with ``torch.onnx.export`` (dynamic batch and sequence axes; inputs
    ``input_ids``, ``attention_mask`` and ``token_type_ids`` when the model takes them;
    output the last hidden state), checked against torch on sample inputs, and written
    to a temporary file renamed into place, with a manifest (``export.json``) naming the
    source weights and the exporter's versions written last. A crash at any point leaves
    no export that a later call would reuse.

    Returns:
        The path of the ONNX model file.

    Raises:
        OnnxUnavailableError: The folder is not a supported model, or exporting failed
            (for instance, the ``onnx`` package is missing).

    """
    spec = read_model_spec(model_path)
    model_file = target_dir / MODEL_FILE
    try:
        fingerprint = _source_fingerprint(spec, model_path)
        # Files are installed by rename, so a complete export can be read without the
        # lock, even from a cache folder this process may not write to.
        if _valid_export(target_dir, fingerprint):
            return model_file
        target_dir.mkdir(parents=True, exist_ok=True)
        with _export_lock(target_dir):
            if _valid_export(target_dir, fingerprint):  # another process just exported it
                return model_file
            logger.info("exporting the embedding model %s to ONNX in %s", model_path, target_dir)
            _export(spec, target_dir, fingerprint)
    except OSError as error:
        raise OnnxUnavailableError(
            f"cannot use the ONNX export folder {target_dir} ({type(error).__name__})"
        ) from error
    return model_file


def _export(spec: ModelSpec, target_dir: Path, fingerprint: Mapping[str, Any]) -> None:
    """Export, check and install the model file and its manifest (under the export lock)."""
    # No manifest means no export: from here until the new manifest is written, nothing
    # in the folder will be reused, whatever happens.
    (target_dir / MANIFEST_FILE).unlink(missing_ok=True)
    for leftover in target_dir.glob(f"{_TEMP_PREFIX}*{_TEMP_SUFFIX}"):  # of crashed exports
        leftover.unlink(missing_ok=True)
    handle, temp_name = tempfile.mkstemp(prefix=_TEMP_PREFIX, suffix=_TEMP_SUFFIX, dir=target_dir)
    os.close(handle)
    temp = Path(temp_name)
    try:
        try:
            inputs = _export_to(spec, temp)
        except OnnxUnavailableError:
            raise
        except ImportError as error:
            raise OnnxUnavailableError(
                "exporting to ONNX needs torch, transformers and onnx "
                f"({type(error).__name__}: {error.name or 'a module'} is missing)"
            ) from error
        except Exception as error:  # any exporter failure means: use torch
            raise OnnxUnavailableError(
                f"exporting {fingerprint['name']} to ONNX failed ({type(error).__name__})"
            ) from error
        # mkstemp creates the file private to its owner; an image that exports at build
        # time and serves as another user must still be able to read it.
        temp.chmod(0o644)
        _fsync(temp)
        model_file = target_dir / MODEL_FILE
        os.replace(temp, model_file)
        manifest = {
            "format": EXPORT_FORMAT,
            "source": dict(fingerprint),
            "inputs": list(inputs),
            "model_size": model_file.stat().st_size,
            "model_sha256": _sha256(model_file),
            "exported_with": _versions(),
            "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        _write_atomically(target_dir / MANIFEST_FILE, json.dumps(manifest, indent=2) + "\n")
        _fsync_dir(target_dir)
    except OSError as error:
        raise OnnxUnavailableError(
            f"cannot write the ONNX export in {target_dir} ({type(error).__name__})"
        ) from error
    finally:
        temp.unlink(missing_ok=True)


def _export_to(spec: ModelSpec, destination: Path) -> tuple[str, ...]:
    """Run ``torch.onnx.export`` into ``destination`` and check it; returns the input names."""
    import inspect

    import torch
    from transformers import AutoModel

    with warnings.catch_warnings(), _quiet("torch", "transformers", "onnxruntime"):
        # The exporter warns about deprecations and torchvision ops it skips; none of it
        # matters here, because the result is checked against torch numerically below.
        warnings.simplefilter("ignore")
        # Eager attention traces to the plain matrix products that ONNX Runtime's
        # transformer optimizer recognises and fuses (see _fuse).
        model = AutoModel.from_pretrained(
            str(spec.transformer_dir), local_files_only=True, attn_implementation="eager"
        )
        model.eval()
        takes = inspect.signature(model.forward).parameters
        names = tuple(n for n in _INPUTS if n in takes)
        if names[:2] != _INPUTS[:2]:
            raise OnnxUnavailableError(
                f"the model in {spec.transformer_dir} does not take input_ids and attention_mask"
            )

        class LastHiddenState(torch.nn.Module):
            """The transformer with tensor inputs in a fixed order and one tensor output."""

            def __init__(self, inner: torch.nn.Module) -> None:
                super().__init__()
                self.inner = inner

            def forward(
                self,
                input_ids: torch.Tensor,
                attention_mask: torch.Tensor,
                token_type_ids: torch.Tensor | None = None,
            ) -> torch.Tensor:
                extra = {} if token_type_ids is None else {"token_type_ids": token_type_ids}
                output = self.inner(input_ids=input_ids, attention_mask=attention_mask, **extra)
                hidden: torch.Tensor = output.last_hidden_state
                return hidden

        wrapper = LastHiddenState(model).eval()
        # Two rows of different lengths, so the traced graph handles padding; the axes
        # are declared dynamic, and the check below runs other shapes.
        sample = _sample_inputs(names, rows=[11, 7])
        # The TorchScript exporter (dynamo=False): its graph of a BERT layer is the one
        # the fusions in _fuse match, and the dynamo exporter's is not. Fused, a question
        # embedded in 5.3 ms against 6.3 ms from the dynamo export (all-MiniLM-L6-v2,
        # 2 cores, p50 of 1,500 questions, the two interleaved in one process).
        with torch.inference_mode():
            torch.onnx.export(
                wrapper,
                tuple(torch.from_numpy(sample[n]) for n in names),
                str(destination),
                input_names=list(names),
                output_names=["last_hidden_state"],
                dynamic_axes={n: {0: "batch", 1: "sequence"} for n in names},
                opset_version=_OPSET,
                dynamo=False,
                verbose=False,
            )
        _check_export(destination, wrapper, names)
        _fuse(destination, spec, wrapper, names)
    return names


def _fuse(path: Path, spec: ModelSpec, wrapper: Any, names: tuple[str, ...]) -> None:
    """Replace the export at ``path`` by its fused form, if that still matches torch.

    ONNX Runtime's transformer optimizer merges each layer's attention, its GELU and
    its layer norms into single operators (fewer, larger kernels: the same arithmetic
    with less overhead a question). It knows BERT-style encoders only; for any other
    model, or if the fused graph fails the check, the plain export stays.
    """
    config = _read_optional(spec.transformer_dir / "config.json")
    heads, hidden = config.get("num_attention_heads"), config.get("hidden_size")
    if config.get("model_type") not in _FUSABLE or not (
        isinstance(heads, int) and isinstance(hidden, int)
    ):
        return
    from onnxruntime.transformers import optimizer  # type: ignore[import-untyped, unused-ignore]

    fused = path.with_name(path.name + ".fused")
    # The optimizer's modules log each fusion at INFO under top-level names of their own.
    chatty = [n for n in logging.root.manager.loggerDict if n.startswith(_OPTIMIZER_LOGGERS)]
    try:
        with _quiet(*chatty):
            optimized = optimizer.optimize_model(
                str(path), model_type="bert", num_heads=heads, hidden_size=hidden
            )
            optimized.save_model_to_file(str(fused))
        _check_export(fused, wrapper, names)
        os.replace(fused, path)
    except Exception as error:  # any optimizer failure: serve the plain export
        logger.info("serving the unfused ONNX export (%s)", type(error).__name__)
    finally:
        fused.unlink(missing_ok=True)


def _check_export(path: Path, wrapper: Any, names: tuple[str, ...]) -> None:
    """Compare the export's sentence vectors with torch's on shapes other than the traced one."""
    import torch

    session = _session(path, threads=1, allow_spinning=False)
    for rows in ([5], [3, 40, 17]):
        sample = _sample_inputs(names, rows)
        with torch.inference_mode():
            expected = wrapper(*(torch.from_numpy(sample[n]) for n in names)).numpy()
        actual = session.run(None, {n: sample[n] for n in names})[0]
        mask = sample["attention_mask"]
        difference = float(np.max(np.abs(_pool(actual, mask) - _pool(expected, mask))))
        if not difference <= _EXPORT_TOLERANCE:
            raise OnnxUnavailableError(
                f"the ONNX export differs from torch by {difference:.2e} (tolerance "
                f"{_EXPORT_TOLERANCE:.0e}); not using it"
            )


def _sample_inputs(names: Sequence[str], rows: Sequence[int]) -> dict[str, Int64Array]:
    """Token ids for rows of the given lengths, padded to the longest, as the tokenizer would."""
    longest = max(rows)
    generator = np.random.default_rng(0)
    ids = np.zeros((len(rows), longest), dtype=np.int64)
    mask = np.zeros((len(rows), longest), dtype=np.int64)
    for row, length in enumerate(rows):
        # Ids from 1000 up avoid the special tokens and exist in any BERT-sized vocabulary.
        ids[row, :length] = generator.integers(1000, 5000, size=length)
        mask[row, :length] = 1
    arrays = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
    return {n: arrays[n] for n in names}


@contextlib.contextmanager
def _quiet(*names: str) -> Iterator[None]:
    """Raise the given loggers to ERROR for the duration (the exporter's chatter)."""
    loggers = [logging.getLogger(n) for n in names]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


def _fsync(path: Path) -> None:
    with path.open("rb+") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    # Makes the renames durable: after a power cut the folder shows the new files or none.
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _write_atomically(path: Path, text: str) -> None:
    handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp_name, 0o644)
        os.replace(temp_name, path)
    finally:
        Path(temp_name).unlink(missing_ok=True)


def _pool(hidden: FloatArray, mask: Int64Array) -> FloatArray:
    """Mean of the token vectors under the mask, then L2-normalised, as sentence-transformers.

    The clamps are sentence-transformers' own (1e-9 on the token count, 1e-12 on the norm),
    so even a degenerate row gives the same vector in both backends.
    """
    weights = mask[:, :, None].astype(np.float32)
    summed = (hidden * weights).sum(axis=1)
    counts = np.maximum(weights.sum(axis=1), 1e-9)
    means = summed / counts
    norms = np.maximum(np.linalg.norm(means, axis=1, keepdims=True), 1e-12)
    pooled: FloatArray = (means / norms).astype(np.float32)
    return pooled


def default_threads() -> int:
    """The CPUs this process may run on (a container's limit, not the host's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def _session(path: Path, threads: int, allow_spinning: bool) -> ort.InferenceSession:
    options = ort.SessionOptions()
    # One operator at a time, each split over the CPUs: the graph is a chain of layers,
    # so there is nothing to run side by side, and a second pool would only compete.
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.inter_op_num_threads = 1
    options.intra_op_num_threads = threads
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    # Workers that spin while waiting for the next operator save about 1.5 ms a question
    # on an idle 2-core machine, but when anything else wants the CPUs (the bot's own
    # threads, another process) they take its time and run slower than sleeping ones:
    # 9 ms against 5 ms a question in benchmarks/bench_embeddings.py with one core busy.
    options.add_session_config_entry(
        "session.intra_op.allow_spinning", "1" if allow_spinning else "0"
    )
    options.log_severity_level = 3  # errors only: warnings about graph rewrites are noise
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


class OnnxEmbeddings(Embeddings):
    """Sentence vectors from an ONNX export of a sentence-transformers model.

    Texts are tokenised with the model's own ``tokenizer.json``, cut to the model's maximum
    sequence length, and pooled and normalised as the model does. ``embed_documents`` sorts
    the texts by token count and batches neighbours, so a batch pads to about its own
    length instead of the longest text's, and returns the vectors in the given order.
    """

    DEFAULT_BATCH_SIZE = 32
    # A batch's padded size (texts x tokens) is capped as well as its count: a run's
    # activations grow with texts x tokens squared (about 25 MiB per 256-token text for
    # this model: 32 such texts took the process from 190 to 975 MiB), and larger
    # batches bought no speed on 2 cores (64 texts ran slowest, 8 to 16 about fastest;
    # benchmarks/bench_embeddings.py), so long texts go 8 at a time and short ones 32.
    DEFAULT_MAX_BATCH_TOKENS = 2048

    def __init__(
        self,
        model_path: Path,
        onnx_path: Path,
        *,
        threads: int | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
        max_batch_tokens: int | None = DEFAULT_MAX_BATCH_TOKENS,
        allow_spinning: bool = False,
    ) -> None:
        """Load the tokenizer from ``model_path`` and the ONNX model from ``onnx_path``.

        ``threads`` defaults to the CPUs this process may use. One run of the model in
        ``embed_documents`` encodes at most ``batch_size`` texts, and at most
        ``max_batch_tokens`` tokens counting the padding (a longer text runs alone;
        ``None``: no limit).

        Raises:
            OnnxUnavailableError: The model folder or the ONNX file cannot be used.

        """
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.spec = read_model_spec(model_path)
        self.onnx_path = onnx_path
        self.batch_size = batch_size
        self.max_batch_tokens = max_batch_tokens
        self.threads = threads or default_threads()
        try:
            tokenizer = Tokenizer.from_file(str(self.spec.transformer_dir / "tokenizer.json"))
        except Exception as error:  # the Rust tokenizer raises plain Exception
            raise OnnxUnavailableError(
                f"cannot load the tokenizer of {model_path} ({type(error).__name__})"
            ) from error
        # tokenizer.json carries its own truncation and padding (for this model: a fixed
        # 128 tokens), which sentence-transformers overrides: cut at max_seq_length, and
        # pad per batch (done here, to the batch's longest).
        tokenizer.enable_truncation(max_length=self.spec.max_seq_length)
        tokenizer.no_padding()
        self._tokenizer = tokenizer
        try:
            self._session = _session(onnx_path, self.threads, allow_spinning)
        except Exception as error:  # onnxruntime raises its own Fail, etc.
            raise OnnxUnavailableError(
                f"onnxruntime cannot load {onnx_path} ({type(error).__name__})"
            ) from error
        self._inputs = tuple(i.name for i in self._session.get_inputs())
        if self._inputs[:2] != _INPUTS[:2] or not set(self._inputs) <= set(_INPUTS):
            raise OnnxUnavailableError(f"{onnx_path} takes {self._inputs}, not a text transformer")
        config = _read_optional(self.spec.transformer_dir / "config.json")
        pad = config.get("pad_token_id")
        self._pad_id = pad if isinstance(pad, int) else 0

    def embed_query(self, text: str) -> list[float]:
        """The unit-length vector of one text."""
        vector: list[float] = self._encode([self._encoding(text)])[0].tolist()
        return vector

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """The unit-length vectors of ``texts``, in their order."""
        if not texts:
            return []
        encodings = self._tokenizer.encode_batch([self._prepare(t) for t in texts])
        # Longest first, as sentence-transformers does: the costliest batch runs first,
        # and each batch holds texts of about one length, so padding wastes little.
        order = sorted(range(len(encodings)), key=lambda i: -len(encodings[i].ids))
        vectors = np.empty((len(texts), self._dimension_of(encodings[order[0]])), np.float32)
        for rows in self._batches(order, [len(e.ids) for e in encodings]):
            vectors[rows] = self._encode([encodings[i] for i in rows])
        result: list[list[float]] = vectors.tolist()
        return result

    def _batches(self, order: Sequence[int], lengths: Sequence[int]) -> Iterator[list[int]]:
        """Split ``order`` (longest first) into runs within the count and token limits."""
        budget = self.max_batch_tokens
        rows: list[int] = []
        for index in order:
            # Longest first, so the batch's first text sets the padded length.
            padded = lengths[rows[0]] if rows else lengths[index]
            if rows and (
                len(rows) == self.batch_size or (budget and (len(rows) + 1) * padded > budget)
            ):
                yield rows
                rows = []
            rows.append(index)
        if rows:
            yield rows

    def _dimension_of(self, encoding: Encoding) -> int:
        if self.spec.dimension is not None:
            return self.spec.dimension
        return int(self._encode([encoding]).shape[1])

    def _prepare(self, text: str) -> str:
        # The torch backend (LangChain's HuggingFaceEmbeddings) turns newlines into spaces
        # before encoding; doing the same keeps both backends' vectors identical for any
        # tokenizer, not only those that treat a newline as a space.
        text = text.replace("\n", " ")
        return text.lower() if self.spec.do_lower_case else text

    def _encoding(self, text: str) -> Encoding:
        return self._tokenizer.encode(self._prepare(text))

    def _encode(self, encodings: Sequence[Encoding]) -> FloatArray:
        """Run the model on one batch, padded to its longest text, and pool."""
        longest = max(len(e.ids) for e in encodings)
        ids = np.full((len(encodings), longest), self._pad_id, dtype=np.int64)
        mask = np.zeros((len(encodings), longest), dtype=np.int64)
        types = np.zeros((len(encodings), longest), dtype=np.int64)
        for row, encoding in enumerate(encodings):
            length = len(encoding.ids)
            ids[row, :length] = encoding.ids
            mask[row, :length] = 1
            types[row, :length] = encoding.type_ids
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        hidden = self._session.run(None, {n: feeds[n] for n in self._inputs})[0]
        return _pool(np.asarray(hidden, dtype=np.float32), mask)


def export_folder(model_path: Path, cache_dir: Path) -> Path:
    """The folder under ``cache_dir`` that holds the export of the model at ``model_path``.

    One folder per model location, so models sharing a cache do not re-export each other.
    """
    resolved = str(model_path.resolve())
    key = hashlib.sha256(resolved.encode()).hexdigest()[:12]
    name = "-".join(p for p in (model_path.resolve().parent.name, model_path.name) if p)
    return cache_dir / f"{name}-{key}"


def load_onnx_embeddings(
    model_path: Path,
    cache_dir: Path,
    *,
    threads: int | None = None,
    batch_size: int = OnnxEmbeddings.DEFAULT_BATCH_SIZE,
    max_batch_tokens: int | None = OnnxEmbeddings.DEFAULT_MAX_BATCH_TOKENS,
) -> OnnxEmbeddings:
    """Export the model at ``model_path`` into ``cache_dir`` if needed, then load it.

    Nothing is downloaded. The first call exports (several seconds, and needs torch,
    transformers and onnx); later calls reuse the export while the model's weights are
    unchanged.

    Raises:
        OnnxUnavailableError: Exporting or loading failed; the message is one line for a
            log, and the caller can fall back to ``adapters.index.embeddings``.

    """
    configure_offline()
    onnx_path = export_onnx(model_path, export_folder(model_path, cache_dir))
    return OnnxEmbeddings(
        model_path,
        onnx_path,
        threads=threads,
        batch_size=batch_size,
        max_batch_tokens=max_batch_tokens,
    )
