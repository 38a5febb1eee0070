"""Opening the Chroma store: embedded by default, one place to change for a server."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from langchain_core.embeddings import Embeddings

from bot.errors import BackendUnavailableError
from bot.settings import Settings, configure_offline

# chromadb's client-side token provider: sends "Authorization: Bearer <token>".
TOKEN_AUTH_PROVIDER = "chromadb.auth.token_authn.TokenAuthClientProvider"  # noqa: S105


def open_client(settings: Settings) -> Any:
    """A Chroma client for the configured store, with telemetry off.

    With ``CHROMA_HOST`` set, an ``HttpClient`` for that server (several replicas
    share it); otherwise the embedded ``PersistentClient`` under the data dir.

    Raises:
        BackendUnavailableError: The Chroma server cannot be reached or refused the token.

    """
    configure_offline()
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    if not settings.chroma_host:
        settings.chroma_path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(
            path=str(settings.chroma_path), settings=ChromaSettings(anonymized_telemetry=False)
        )
    token = settings.chroma_auth_token
    auth: dict[str, Any] = (
        {}
        if token is None
        else {
            "chroma_client_auth_provider": TOKEN_AUTH_PROVIDER,
            "chroma_client_auth_credentials": token.get_secret_value(),
        }
    )
    scheme = "https" if settings.chroma_ssl else "http"
    where = f"{scheme}://{settings.chroma_host}:{settings.chroma_port}"
    try:
        # HttpClient checks the server (heartbeat, tenant and database) as it is built.
        return chromadb.HttpClient(
            host=settings.chroma_host,
            port=settings.chroma_port,
            ssl=settings.chroma_ssl,
            settings=ChromaSettings(anonymized_telemetry=False, **auth),
        )
    except Exception as error:  # chromadb raises ValueError, httpx errors or its own
        raise BackendUnavailableError(
            f"cannot use the Chroma server at {where} (CHROMA_HOST, CHROMA_PORT, CHROMA_SSL, "
            f"CHROMA_AUTH_TOKEN): {_reason(error)}"
        ) from error


def _reason(error: Exception) -> str:
    """The first line of an error's message, or its type when it has none."""
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


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
