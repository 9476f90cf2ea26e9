"""Query embedding for the service: concurrent requests share forward passes of the model."""

from __future__ import annotations

import logging
import os
import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import cast

import numpy as np

from ingest.embedding import Embedder, EncoderKind, Vectors
from service.logs import failure_fields

log = logging.getLogger("vademecum.service")


class BatchingEmbedder:
    """Embeds the questions of concurrent requests together, in one forward pass of the model.

    For a short question, a forward pass costs mostly the reading of the model's weights from
    memory, not arithmetic: eight questions in one pass cost about half as much as eight passes. A
    few worker threads (one per core, each running torch on one thread) take the questions queued
    while they were busy as their next batch. Nothing waits for a batch to fill, so a lone request is
    embedded at once, as before.
    """

    def __init__(
        self,
        embedder: Embedder,
        max_batch: int = 16,
        on_batch: Callable[[int], None] | None = None,
        workers: int | None = None,
    ) -> None:
        self._embedder = embedder
        self._max_batch = max_batch
        self._on_batch = on_batch
        self._workers = workers or os.cpu_count() or 1
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    @property
    def queued(self) -> int:
        """Requests waiting for a worker: they will share its next forward pass."""
        return self._jobs.qsize()

    @property
    def model_name(self) -> str:
        return self._embedder.model_name

    @property
    def model_reference(self) -> str:
        return self._embedder.model_reference

    @property
    def encoder(self) -> EncoderKind:
        return self._embedder.encoder

    @property
    def dimension(self) -> int:
        return self._embedder.dimension

    def embed_documents(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return self._embedder.embed_documents(texts)
        return self._submit(list(texts))

    def embed_query(self, text: str) -> Vectors:
        return cast(Vectors, self._submit([text])[0])

    def close(self) -> None:
        with self._lock:
            threads, self._threads = self._threads, []
        for _ in threads:
            self._jobs.put(None)
        for thread in threads:
            thread.join(timeout=10)

    def _submit(self, texts: list[str]) -> Vectors:
        self._start()
        job = _Job(texts)
        self._jobs.put(job)
        job.done.wait()
        if job.error is not None:
            raise job.error
        assert job.vectors is not None
        return job.vectors

    def _start(self) -> None:
        if not self._threads:
            with self._lock:
                if not self._threads:
                    for n in range(self._workers):
                        thread = threading.Thread(target=self._run, name=f"vademecum-embedder-{n}", daemon=True)
                        thread.start()
                        self._threads.append(thread)

    def _run(self) -> None:
        while True:
            first = self._jobs.get()
            if first is None:
                return
            jobs, size, stop = [first], len(first.texts), False
            while size < self._max_batch:
                try:
                    job = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if job is None:  # a stop (one per worker): finish this batch, then stop
                    stop = True
                    break
                jobs.append(job)
                size += len(job.texts)
            self._embed(jobs)
            if stop:
                return

    def _embed(self, jobs: list[_Job]) -> None:
        texts = [text for job in jobs for text in job.texts]
        try:
            vectors = np.empty((len(texts), 0), dtype=np.float32)
            for group in length_groups(texts):
                part = self._embedder.embed_documents([texts[i] for i in group])
                if vectors.shape[1] == 0:
                    vectors = np.empty((len(texts), part.shape[1]), dtype=np.float32)
                vectors[group] = part
                if self._on_batch is not None:
                    self._on_batch(len(group))
        except Exception as error:  # noqa: BLE001 (logged without its message) - every waiting request gets the error, none hangs
            log.error("embedding failed", extra={"fields": failure_fields(error)})
            for job in jobs:
                job.error = error
                job.done.set()
            return
        start = 0
        for job in jobs:
            job.vectors = vectors[start : start + len(job.texts)]
            start += len(job.texts)
            job.done.set()


# A forward pass costs about a fixed part (reading the weights) plus a part per padded token. Measured
# for MiniLM-L6 on one CPU thread: ~10 ms + ~0.24 ms per token, so the fixed part is worth ~40 tokens.
PASS_COST_IN_TOKENS = 40


def estimated_tokens(text: str) -> int:
    """Word pieces, roughly: [CLS] and [SEP] plus about 1.4 per word."""
    return 2 + (14 * len(text.split()) + 9) // 10


def length_groups(texts: Sequence[str], pass_cost: int = PASS_COST_IN_TOKENS) -> list[list[int]]:
    """Split a batch into passes of similar length, so short questions are not padded to a long one.

    Each pass costs `pass_cost` plus its size times its longest text (in tokens); texts sorted by
    length are cut into contiguous groups at the least total cost (dynamic programming, n <= 16).
    """
    order = sorted(range(len(texts)), key=lambda i: estimated_tokens(texts[i]))
    lengths = [estimated_tokens(texts[i]) for i in order]
    best = [0] + [0] * len(order)
    cut = [0] * (len(order) + 1)
    for end in range(1, len(order) + 1):
        best[end], cut[end] = min(
            (best[start] + pass_cost + (end - start) * lengths[end - 1], start) for start in range(end)
        )
    groups: list[list[int]] = []
    end = len(order)
    while end > 0:
        groups.append(order[cut[end] : end])
        end = cut[end]
    return groups[::-1]


@dataclass
class _Job:
    texts: list[str]
    done: threading.Event = field(default_factory=threading.Event)
    vectors: Vectors | None = None
    error: Exception | None = None
