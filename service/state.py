"""What the app holds between requests: the opened index and the pipeline built on it."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from ingest.embedding import Embedder
from ingest.layout import DataDir, IndexMissingError
from ingest.settings import Settings
from service.answering import AnswerService
from service.composition import Composer
from service.embedding import BatchingEmbedder
from service.index import IndexMismatchError, LoadedIndex, open_index
from service.metrics import Metrics
from service.retrieval import Retriever

log = logging.getLogger("vademecum.service")


@dataclass
class ServiceState:
    settings: Settings
    embedder: Embedder
    composer: Composer | None = None
    metrics: Metrics | None = None
    index: LoadedIndex | None = None
    answers: AnswerService | None = None
    retriever: Retriever | None = None
    not_ready: str | None = "starting"
    # What requests embed with: the model behind a worker that batches concurrent requests.
    query_embedder: BatchingEmbedder | None = None

    def load(self) -> None:
        """Open the active index version; on failure, stay up and report why through /readyz."""
        try:
            index = open_index(DataDir(self.settings.data_dir), self.embedder, self.settings.chroma)
        except (IndexMissingError, IndexMismatchError) as error:
            self.not_ready = str(error)
            log.warning("index not loaded: %s", error)
            return
        except Exception as error:  # a corrupt index must not crash-loop the process
            self.not_ready = f"index could not be opened: {type(error).__name__}: {error}"
            log.error("index could not be opened", exc_info=True)
            return
        self.not_ready = f"index {index.version} is empty" if not index.chunks else None
        self.query_embedder = BatchingEmbedder(
            self.embedder, on_batch=self.metrics.embed_batch.observe if self.metrics else None
        )
        self.retriever = Retriever(index, self.query_embedder)
        self.answers = AnswerService(index, self.retriever, composer=self.composer)
        self.index = index
        if self.not_ready is None:
            # The first request should not pay for loading the model or warming its kernels.
            self.embedder.embed_query("warm up")
            log.info(
                "index loaded",
                extra={
                    "fields": {"version": index.version, "articles": len(index.articles), "passages": len(index.chunks)}
                },
            )

    def close(self) -> None:
        if self.query_embedder is not None:
            self.query_embedder.close()
        if self.index is not None:
            self.index.close()
