"""Opening the Chroma store: embedded by default, one place to change for a server."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from langchain_core.embeddings import Embeddings

from bot.settings import Settings, configure_offline


def open_client(settings: Settings) -> Any:
    """A Chroma client for the configured store, with telemetry off."""
    configure_offline()
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    settings.chroma_path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.chroma_path), settings=chroma_settings)


@dataclass
class KnowledgeStore:
    """The advisor's vector store: section chunks, and the ways users ask for each one.

    ``questions`` holds one record per user phrasing of a section (front matter
    ``questions``), each pointing at its chunk through the ``parent`` metadata, so a
    question can match a section by its phrasing as well as by its text.
    """

    vectors: Any  # the LangChain Chroma wrapper over the chunks
    chunks: Any  # the chromadb collection behind it
    questions: Any  # a chromadb collection of phrasings
    embeddings: Embeddings


def open_store(
    settings: Settings, embeddings: Embeddings, client: Any | None = None
) -> KnowledgeStore:
    """Open (or create) the advisor's collections, in cosine space."""
    from langchain_chroma import Chroma

    client = client if client is not None else open_client(settings)
    configuration: Any = {"hnsw": {"space": "cosine"}}
    vectors = Chroma(
        collection_name=settings.collection,
        embedding_function=embeddings,
        client=client,
        collection_configuration=configuration,
    )
    questions = client.get_or_create_collection(
        f"{settings.collection}-questions", configuration=configuration
    )
    return KnowledgeStore(vectors, vectors._collection, questions, embeddings)
