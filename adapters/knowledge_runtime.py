"""Builds the advisor's parts from settings, once per process."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from adapters.index.chroma import KnowledgeStore, open_client, open_store
from adapters.index.embeddings import Embedder, open_embedder
from bot.answering.coverage import CoverageRule
from bot.answering.extractive import ExtractiveAnswerer
from bot.answering.retrieval import HybridRetriever
from bot.settings import Settings
from ingest.pipeline import IngestReport, ingest, knowledge_fingerprint, read_state
from knowledge import GUIDANCE_DIR

log = logging.getLogger(__name__)


@dataclass
class KnowledgeRuntime:
    """The vector store, retriever and answerer over one data directory."""

    settings: Settings
    store: KnowledgeStore
    retriever: HybridRetriever
    answerer: ExtractiveAnswerer

    def ingest(self, paths: list[Path], progress_stream: TextIO | None = None) -> IngestReport:
        """Ingest the built-in knowledge base plus ``paths``, then refresh retrieval."""
        report = ingest(
            self.store,
            [GUIDANCE_DIR, *paths],
            self.settings.data_dir,
            chunk_size=self.settings.chunk_size,
            progress_stream=progress_stream,
        )
        self.retriever.refresh()
        return report


def knowledge_is_stale(settings: Settings, store: KnowledgeStore) -> bool:
    """True when the store is empty or the built-in knowledge changed since the last ingest.

    A Chroma server counts as stale only when empty: it is shared, and kept current by
    ``scale-advisor ingest`` run once per release. A replica's own data dir does not
    know what others ingested, and an ingest from there would delete the chunks of
    documents that exist only on the machine that ingested them.
    """
    if store.count() == 0:
        return True
    if settings.chroma_host:
        if store.made_by_another():
            # Re-embedding a shared store is the ingest command's job: replicas started
            # with different backends would otherwise redo it in turn at every start.
            log.warning(
                "the Chroma server's vectors were made by %s, this replica embeds with %s: "
                "run scale-advisor ingest to re-embed them",
                store.vectors_made_by() or "an unrecorded embedder",
                store.made_by,
            )
        return False
    if store.made_by_another():
        return True
    return read_state(settings.data_dir).get("knowledge_fingerprint") != knowledge_fingerprint()


Notify = Callable[[str], None]


def to_stderr(line: str) -> None:
    """Tell the person at the terminal (the default for command-line tools)."""
    sys.stderr.write(line + "\n")


def open_knowledge(
    settings: Settings,
    auto_ingest: bool = True,
    notify: Notify = to_stderr,
    embedder: Embedder | None = None,
) -> KnowledgeRuntime:
    """Open the store (ingesting the built-in knowledge first when it is stale).

    ``notify`` receives the lines that say a first-use ingest is running and what it
    did: plain lines on stderr for a command, log records for the server. ``embedder``
    replaces the configured backend (a benchmark's candidate backend, say).
    """
    client = open_client(settings)  # before the model: a missing Chroma server fails at once
    embedder = embedder or open_embedder(settings)
    embeddings = embedder.embeddings
    store = open_store(settings, embeddings, client, embedder.made_by)
    if auto_ingest and knowledge_is_stale(settings, store):
        notify("Knowledge base is new or changed: ingesting it first...")
        report = ingest(store, [GUIDANCE_DIR], settings.data_dir, chunk_size=settings.chunk_size)
        notify(f"Ingested: {report.summary()}")
        for path, reason in report.failures:
            notify(f"Ingest failed for {path}: {reason}")
    retriever = HybridRetriever(store, embeddings)
    rule = (
        CoverageRule()
        if settings.min_relevance is None
        else CoverageRule(min_similarity=settings.min_relevance)
    )
    answerer = ExtractiveAnswerer(retriever, rule)
    return KnowledgeRuntime(settings, store, retriever, answerer)
