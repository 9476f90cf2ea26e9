"""What the app holds between requests: the opened index and the pipeline built on it."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from ingest.embedding import Embedder
from ingest.layout import DataDir, IndexMissingError
from ingest.settings import Settings
from service.answering import AnswerService
from service.index import IndexMismatchError, LoadedIndex, open_index
from service.retrieval import Retriever

log = logging.getLogger("vademecum.service")


@dataclass
class ServiceState:
    settings: Settings
    embedder: Embedder
    index: LoadedIndex | None = None
    answers: AnswerService | None = None
    retriever: Retriever | None = None
    not_ready: str | None = "starting"

    def load(self) -> None:
        """Open the active index version; on failure, stay up and report why through /readyz."""
        try:
            index = open_index(DataDir(self.settings.data_dir), self.embedder, self.settings.chroma)
        except (IndexMissingError, IndexMismatchError) as error:
            self.not_ready = str(error)
            log.warning("index not loaded: %s", error)
            return
        except Exception as error:
            self.not_ready = f"index could not be opened: {type(error).__name__}: {error}"
            log.error("index could not be opened", exc_info=True)
            return
        if not index.chunks:
            self.not_ready = f"index {index.version} is empty"
        else:
            self.not_ready = None
        self.retriever = Retriever(index, self.embedder)
        self.answers = AnswerService(index, self.retriever)
        self.index = index

    def close(self) -> None:
        if self.index is not None:
            self.index.close()
