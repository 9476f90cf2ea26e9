"""What the app holds between requests: the served index version and the pipeline built on it.

A version is served as one bundle (`Served`: index, retriever, answer service), and the state holds one
reference to it. A request takes the bundle once (service.api.deps.get_served) and keeps it until its
response is complete, so it sees exactly one version from start to end, even while a new one is swapped in.

`reload()` opens the version the ACTIVE pointer names, completely, before anything changes; then it swaps
the reference under a lock. The old bundle is closed only when the last request holding it releases it.
A version that fails to open leaves the old one serving and is recorded in `failed` for /readyz. The
poller in service.runtime.reload calls `reload()` every `reload_interval_s`; the admin endpoints call it right
after their ingest.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from ingest.embedding import Embedder, EncoderMissingError, EncoderUnavailableError
from ingest.layout import DataDir, IndexMissingError
from ingest.settings import Settings
from service.answering.composition import Composer
from service.answering.pipeline import AnswerService
from service.http.metrics import Metrics
from service.retrieval.index import IndexMismatchError, LoadedIndex, open_index
from service.retrieval.query_embedding import BatchingEmbedder
from service.retrieval.retriever import RetrievalConfig, Retriever
from service.runtime.memory import release_free_memory
from service.schema import FollowupRequest
from service.triage.emergency_model import emergency_model_for
from service.triage.scope_model import scope_model_for

log = logging.getLogger("vademecum.service")

# `_seen` before the first look at the pointer: differs from every signature, including "no pointer".
_UNSEEN = b"\0unseen"
# A version that failed to open is tried again after this long even if the pointer did not change: the cause
# may pass (a Chroma server restarting), and a damaged version costs one attempt per period, not per poll.
RETRY_FAILED_S = 30.0


class Served:
    """One opened index version and the pipeline over it. Immutable once built; only its user count changes."""

    def __init__(self, index: LoadedIndex, retriever: Retriever, answers: AnswerService) -> None:
        self.index = index
        self.retriever = retriever
        self.answers = answers
        # Guarded by ServiceState._lock.
        self.users = 0
        self.retired = False
        self.closed = False

    @property
    def version(self) -> str:
        return self.index.version

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.index.close()


@dataclass(frozen=True)
class ReloadFailure:
    """A version that could not be opened while an older one kept serving."""

    version: str | None
    reason: str


@dataclass
class ServiceState:
    settings: Settings
    embedder: Embedder
    composer: Composer | None = None
    metrics: Metrics | None = None
    not_ready: str | None = "starting"
    # What requests embed with: the model behind a worker that batches concurrent requests (one per process,
    # shared by every version served).
    query_embedder: BatchingEmbedder | None = None
    # The newest version that failed to open while an older one serves; cleared by the next good switch.
    failed: ReloadFailure | None = None
    _served: Served | None = field(default=None, repr=False)
    # Guards the bundle reference and the user counts: held only for a few assignments.
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    # One reload at a time (the poller and an admin request may both ask).
    _reload_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _seen: bytes | None = field(default=_UNSEEN, repr=False)
    _retry_at: float | None = field(default=None, repr=False)

    @property
    def served(self) -> Served | None:
        return self._served

    @property
    def index(self) -> LoadedIndex | None:
        served = self._served
        return served.index if served else None

    @property
    def retriever(self) -> Retriever | None:
        served = self._served
        return served.retriever if served else None

    def acquire(self) -> Served | None:
        """The served bundle, counted as in use until `release`; None when nothing is served."""
        with self._lock:
            served = self._served
            if served is not None:
                served.users += 1
            return served

    def release(self, served: Served) -> None:
        with self._lock:
            served.users -= 1
            close = served.retired and served.users == 0
        if close:
            served.close()

    @contextmanager
    def lease(self) -> Iterator[Served | None]:
        served = self.acquire()
        try:
            yield served
        finally:
            if served is not None:
                self.release(served)

    def load(self) -> None:
        """Open the active index version; on failure, stay up and report why through /readyz."""
        self.reload()

    def reload(self) -> str | None:
        """Switch to the version ACTIVE names if it changed since the last look; the version switched to, or None.

        Cheap when nothing changed (one small file read), so it can be polled.
        """
        with self._reload_lock:
            signature = self._pointer_signature()
            retry = self._retry_at is not None and time.monotonic() >= self._retry_at
            if signature == self._seen and not retry:
                return None
            self._seen, self._retry_at = signature, None
            current = self._served
            wanted = self._pointer_version()
            if current is not None and wanted == current.version:
                self.failed = None  # back to the version being served (a rollback after a failed switch)
                return None
            try:
                index = open_index(DataDir(self.settings.data_dir), self.embedder, self.settings.chroma)
            except (IndexMissingError, IndexMismatchError) as error:
                self._record_failure(wanted, str(error), logging.WARNING)
                return None
            except Exception as error:  # noqa: BLE001 - a corrupt index must not crash-loop the process
                reason = f"index could not be opened: {type(error).__name__}: {error}"
                self._record_failure(wanted, reason, logging.ERROR)
                return None
            try:
                # Loads the encoder export at the first index (ingest.embedding.ExportedEncoder): a server may
                # start before the first ingest has written either, and becomes ready once both are there.
                _ = self.embedder.dimension
            except (EncoderMissingError, EncoderUnavailableError) as error:
                index.close()
                self._record_failure(wanted, str(error), logging.WARNING)
                return None
            self._swap(index)
            return index.version

    def _swap(self, index: LoadedIndex) -> None:
        if self.query_embedder is None:
            self.query_embedder = BatchingEmbedder(
                self.embedder, on_batch=self.metrics.embed_batch.observe if self.metrics else None
            )
        retriever = Retriever(
            index, self.query_embedder, RetrievalConfig(learned_ranking=self.settings.service.learned_ranking)
        )
        emergency_model = emergency_model_for(self.embedder.model_name, self.embedder.dimension)
        scope_model = scope_model_for(self.embedder.model_name, self.embedder.dimension)
        service = AnswerService(
            index, retriever, composer=self.composer, emergency_model=emergency_model, scope_model=scope_model
        )
        served = Served(index, retriever, service)
        not_ready = f"index {index.version} is empty" if not index.chunks else None
        if not_ready is None:
            warm_up(service, index)
        with self._lock:
            old, self._served = self._served, served
            self.not_ready = not_ready
            self.failed = None
            close_old = old is not None and old.users == 0
            if old is not None:
                old.retired = True
        if old is not None and close_old:
            old.close()
        # Opening (and closing) a version leaves freed heap pages behind: tens of MB over MedQuAD.
        release_free_memory()
        log.info(
            "index loaded",
            extra={
                "fields": {
                    "version": index.version,
                    "previous": old.version if old else None,
                    "articles": len(index.articles),
                    "passages": len(index.chunks),
                }
            },
        )

    def _record_failure(self, version: str | None, reason: str, level: int) -> None:
        self._retry_at = time.monotonic() + RETRY_FAILED_S
        if self._served is None:
            self.not_ready = reason
            log.log(level, "index not loaded: %s", reason, exc_info=level >= logging.ERROR)
            return
        self.failed = ReloadFailure(version, reason)
        log.log(
            level,
            "new index version not loaded; still serving %s: %s",
            self._served.version,
            reason,
            exc_info=level >= logging.ERROR,
            extra={"fields": {"failed_version": version, "version": self._served.version}},
        )

    def _pointer_signature(self) -> bytes | None:
        """The pointer file's bytes: any switch (ingest, rollback, admin) rewrites them."""
        try:
            return DataDir(self.settings.data_dir).pointer_path.read_bytes()
        except OSError:
            return None

    def _pointer_version(self) -> str | None:
        try:
            pointer = DataDir(self.settings.data_dir).read_pointer()
        except (OSError, ValueError):
            return None
        return pointer.version if pointer else None

    def close(self) -> None:
        with self._lock:
            served, self._served = self._served, None
        if served is not None:
            served.close()
        if self.query_embedder is not None:
            self.query_embedder.close()


def warm_up(service: AnswerService, index: LoadedIndex) -> None:
    """Answer one of the corpus's own questions before the version is served.

    The first user should not pay for what loads at first use: the encoder's kernels, Chroma's HNSW graph
    (160 MB and about a second over MedQuAD), the corpus term counts the evidence check reads. A failure here
    is logged and the version served all the same: a request would have met the same failure, and reports it.

    It plans the answer and stops before composing: composition loads nothing, and the composer is the
    deployment's (a remote model, a test's held composer), which only users' requests should reach.
    """
    question = next((q or t for t, q in index.articles.headings.values()), None) or "warm up"
    try:
        service.plan(FollowupRequest(question=question))
    except Exception:  # warming is an optimisation: serving must not depend on it
        log.warning("warm-up answer failed", exc_info=True)
