"""Concurrent requests share forward passes of the model, and each gets its own vector back."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from ingest.embedding import Embedder, EncoderKind, Vectors
from service.retrieval.query_embedding import BatchingEmbedder, length_groups

WORKER_NAME = "vademecum-embedder-"


class HeldEmbedder:
    """Vectors that encode their text's length; the first call says it started, then waits until released."""

    model_name = "held"
    model_reference = "held"
    encoder: EncoderKind = "fp32"
    dimension = 2

    def __init__(self, *, held: bool = True) -> None:
        self.batches: list[list[str]] = []
        self.started = threading.Event()
        self.release = threading.Event()
        if not held:
            self.release.set()

    def embed_documents(self, texts: Sequence[str]) -> Vectors:
        if not self.batches:
            self.started.set()
            assert self.release.wait(10), "the test never released the model"
        self.batches.append(list(texts))
        if any(t == "boom" for t in texts):
            raise RuntimeError("model failed")
        return np.array([[len(t), 1.0] for t in texts], dtype=np.float32)

    def embed_query(self, text: str) -> Vectors:
        vectors: Vectors = self.embed_documents([text])[0]
        return vectors


def wait_until(condition: Callable[[], bool], timeout_s: float = 10.0) -> None:
    """Wait for a state the test brought about (not for an amount of time); fail if it never comes."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.001)


def test_requests_arriving_while_the_model_is_busy_are_embedded_together() -> None:
    held = HeldEmbedder()
    batching = BatchingEmbedder(held, workers=1)
    texts = ["a" * n for n in range(1, 9)]
    with ThreadPoolExecutor(8) as pool:
        first = pool.submit(batching.embed_query, texts[0])
        assert held.started.wait(10)  # the one worker is inside the model with the first request
        rest = [pool.submit(batching.embed_query, t) for t in texts[1:]]
        wait_until(lambda: batching.queued == len(rest))  # every other request waits for the worker
        held.release.set()
        vectors = [first.result(10), *(f.result(10) for f in rest)]

    assert [int(v[0]) for v in vectors] == list(range(1, 9)), "each request gets its own vector"
    assert [len(b) for b in held.batches] == [1, 7]
    batching.close()


def test_a_failing_batch_fails_each_waiting_request() -> None:
    batching = BatchingEmbedder(HeldEmbedder(held=False))

    with pytest.raises(RuntimeError, match="model failed"):
        batching.embed_query("boom")
    assert batching.embed_query("ok")[0] == 2.0
    batching.close()


def test_every_worker_stops_on_close() -> None:
    before = set(threading.enumerate())
    batching = BatchingEmbedder(HeldEmbedder(held=False), workers=3)
    batching.embed_query("start the workers")
    workers = [t for t in set(threading.enumerate()) - before if t.name.startswith(WORKER_NAME)]

    batching.close()

    assert len(workers) == 3 and not any(t.is_alive() for t in workers)


def test_batched_vectors_match_single_ones(embedder: Embedder) -> None:
    batching = BatchingEmbedder(embedder)
    questions = ["and in pregnancy?", "Which anticoagulant is preferred for non-valvular atrial fibrillation?"]

    together = batching.embed_documents(questions)

    for question, vector in zip(questions, together, strict=True):
        assert np.allclose(vector, embedder.embed_query(question), atol=1e-5)
    batching.close()


def test_short_questions_are_not_padded_to_a_long_one() -> None:
    texts = ["what dose?", "and in pregnancy?", "how long for?", " ".join(["word"] * 80)]

    groups = length_groups(texts)

    assert sorted(map(sorted, groups)) == [[0, 1, 2], [3]]
