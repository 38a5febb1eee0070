"""Opening the Chroma store: embedded by default, one place to change for a server."""

from __future__ import annotations

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


def open_store(settings: Settings, embeddings: Embeddings, client: Any | None = None) -> Any:
    """The LangChain Chroma vector store over the advisor's collection (cosine space)."""
    from langchain_chroma import Chroma

    return Chroma(
        collection_name=settings.collection,
        embedding_function=embeddings,
        client=client if client is not None else open_client(settings),
        collection_configuration={"hnsw": {"space": "cosine"}},
    )
