"""Opening the Chroma store: embedded by default, one place to change for a server."""

from __future__ import annotations

from typing import Any

from langchain_core.embeddings import Embeddings

from bot.errors import BackendUnavailableError
from bot.ports import Neighbour, StoredPhrasing, StoredSection
from bot.settings import Settings, configure_offline

MADE_BY_KEY = "embedded_by"  # collection metadata: the backend and model of its vectors
REEMBED_BATCH = 64
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


class KnowledgeStore:
    """The advisor's vector store: the one class that touches its Chroma collections.

    Three collections in cosine space, each behind LangChain's ``Chroma``:

    - ``<name>``: one record per section (chunk), with its metadata;
    - ``<name>-questions``: the ways users ask for each section (front matter
      ``questions``), each pointing at its section through the ``parent`` metadata;
    - ``<name>-out-of-scope``: questions the advisor does not cover, by kind
      (``knowledge/out_of_scope.yaml``), for the coverage rule.

    Vectors are computed by ``embeddings`` (through LangChain) as records are added.
    """

    def __init__(
        self, client: Any, name: str, embeddings: Embeddings, made_by: str = ""
    ) -> None:
        """Open (or create) the three collections of ``name`` on ``client``.

        ``made_by`` names the backend and model of ``embeddings`` (``Embedder.made_by``);
        the collections record it, so vectors of another one are never mixed in.
        """
        from langchain_chroma import Chroma

        configuration: Any = {"hnsw": {"space": "cosine"}}
        self.embeddings = embeddings
        self.name = name
        self.made_by = made_by
        self._client = client
        self._sections, self._phrasings, self._out_of_scope = (
            Chroma(
                collection_name=collection,
                embedding_function=embeddings,
                client=client,
                collection_configuration=configuration,
            )
            for collection in (name, f"{name}-questions", f"{name}-out-of-scope")
        )

    # --- reading -------------------------------------------------------------------------

    def count(self) -> int:
        """How many sections the store holds."""
        return len(self._sections.get(include=[])["ids"])

    def sections(self, where: dict[str, Any] | None = None) -> list[StoredSection]:
        """Every section (or those matching ``where``), with text, metadata and vector."""
        data = self._sections.get(where=where, include=["documents", "metadatas", "embeddings"])
        return [
            StoredSection(str(i), str(text or ""), _strings(meta), _vector(vector))
            for i, text, meta, vector in zip(
                data["ids"], data["documents"] or [], data["metadatas"] or [], _rows(data),
                strict=False,
            )
        ]

    def section_ids_by_path(self) -> dict[str, set[str]]:
        """The stored section ids of each source file path."""
        data = self._sections.get(include=["metadatas"])
        by_path: dict[str, set[str]] = {}
        for chunk_id, meta in zip(data["ids"], data["metadatas"] or [], strict=False):
            by_path.setdefault(str((meta or {}).get("path", "")), set()).add(str(chunk_id))
        return by_path

    def phrasings(self) -> list[StoredPhrasing]:
        """Every user phrasing of a section, with its vector."""
        return _phrasing_records(self._phrasings)

    def out_of_scope(self) -> list[StoredPhrasing]:
        """Every out-of-scope question, its kind as ``parent``, with its vector."""
        return _phrasing_records(self._out_of_scope)

    def nearest_sections(self, vector: list[float], n: int) -> list[Neighbour]:
        """The ``n`` sections nearest to ``vector`` by their own text, nearest first."""
        found = self._sections.similarity_search_by_vector_with_relevance_scores(vector, k=n)
        return [
            # Chroma reports the cosine distance; similarity is 1 minus it.
            Neighbour(str(doc.id), str(doc.id), doc.page_content, 1.0 - float(distance))
            for doc, distance in found
        ]

    def vectors_made_by(self) -> str:
        """What made the stored vectors (``backend:model``); empty if never recorded."""
        metadata = self._client.get_collection(self.name).metadata or {}
        return str(metadata.get(MADE_BY_KEY, ""))

    def made_by_another(self) -> bool:
        """Whether the store holds vectors that this store's embeddings did not make."""
        # The recorded name first: one metadata read, where counting reads every id.
        return self.vectors_made_by() != self.made_by and self.count() > 0

    # --- writing -------------------------------------------------------------------------

    def record_made_by(self) -> None:
        """Record that the stored vectors are this store's embeddings' (after an ingest)."""
        if self.vectors_made_by() != self.made_by:  # a write only when it changes
            self._client.get_collection(self.name).modify(metadata={MADE_BY_KEY: self.made_by})

    def reembed(self, batch: int = REEMBED_BATCH) -> int:
        """Embed every stored record again with this store's embeddings; how many.

        Records are updated in place (same ids, texts and metadata), never deleted
        first, so an interrupted run loses nothing: the next ingest finishes it.
        """
        from langchain_core.documents import Document

        done = 0
        for collection in (self._sections, self._phrasings, self._out_of_scope):
            data = collection.get(include=["documents", "metadatas"])
            ids, texts, metas = data["ids"], data["documents"] or [], data["metadatas"] or []
            for start in range(0, len(ids), batch):
                documents = [
                    Document(page_content=str(text or ""), metadata=dict(meta or {}))
                    for text, meta in zip(
                        texts[start : start + batch], metas[start : start + batch], strict=True
                    )
                ]
                collection.update_documents(list(ids[start : start + batch]), documents)
            done += len(ids)
        self.record_made_by()
        return done


    def add_sections(
        self,
        sections: list[tuple[str, str, dict[str, str]]],
        phrasings: list[tuple[str, str, str]],
    ) -> None:
        """Embed and store sections ``(id, text, metadata)``, phrasings ``(id, parent, text)``."""
        if sections:
            self._sections.add_texts(
                [text for _, text, _ in sections],
                metadatas=[meta for _, _, meta in sections],
                ids=[chunk_id for chunk_id, _, _ in sections],
            )
        if phrasings:
            self._phrasings.add_texts(
                [text for _, _, text in phrasings],
                metadatas=[{"parent": parent} for _, parent, _ in phrasings],
                ids=[phrasing_id for phrasing_id, _, _ in phrasings],
            )

    def remove_sections(self, chunk_ids: list[str]) -> None:
        """Delete sections and the phrasings that point at them."""
        if chunk_ids:
            self._sections.delete(ids=chunk_ids)
            self._phrasings.delete(where={"parent": {"$in": chunk_ids}})

    def replace_out_of_scope(self, wanted: dict[str, tuple[str, str]]) -> tuple[int, int]:
        """Make the out-of-scope bank hold exactly ``wanted`` (id -> (kind, question)).

        Only new questions are embedded. Returns how many were added and removed.
        """
        stored = set(self._out_of_scope.get(include=[])["ids"])
        removed = sorted(stored - set(wanted))
        if removed:
            self._out_of_scope.delete(ids=removed)
        added = [i for i in wanted if i not in stored]
        if added:
            self._out_of_scope.add_texts(
                [wanted[i][1] for i in added],
                metadatas=[{"kind": wanted[i][0]} for i in added],
                ids=added,
            )
        return len(added), len(removed)


def _strings(meta: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in dict(meta or {}).items()}


def _rows(data: Any) -> list[Any]:
    """The embeddings of a ``get`` result, one per id (empty vectors when there are none)."""
    embeddings = data.get("embeddings")
    return [()] * len(data["ids"]) if embeddings is None else list(embeddings)


def _vector(value: Any) -> tuple[float, ...]:
    return tuple(float(x) for x in value) if value is not None else ()


def _phrasing_records(collection: Any) -> list[StoredPhrasing]:
    data = collection.get(include=["documents", "metadatas", "embeddings"])
    return [
        StoredPhrasing(
            str(i),
            str((meta or {}).get("parent") or (meta or {}).get("kind") or ""),
            str(text or ""),
            _vector(vector),
        )
        for i, text, meta, vector in zip(
            data["ids"], data["documents"] or [], data["metadatas"] or [], _rows(data),
            strict=False,
        )
    ]


def open_store(
    settings: Settings, embeddings: Embeddings, client: Any | None = None, made_by: str = ""
) -> KnowledgeStore:
    """Open (or create) the advisor's collections, in cosine space."""
    client = client if client is not None else open_client(settings)
    return KnowledgeStore(client, settings.collection, embeddings, made_by)
