"""Concurrent requests share forward passes of the model, and each gets its own vector back."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from ingest.embedding import EncoderIdentity, OnnxEmbedder, Vectors
from service.embedding import BatchingEmbedder


class SlowEmbedder:
    """Vectors that encode their text's length; the first call blocks until released."""

    model_name = "slow"
    model_reference = ""
    encoder = EncoderIdentity(model_name="slow", fingerprint="0" * 16, backend="torch", precision="fp32")
    dimension = 2

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.release = threading.Event()

    def embed_documents(self, texts: Sequence[str]) -> Vectors:
        if not self.batches:
            self.release.wait(5)
        self.batches.append(list(texts))
        if any(t == "boom" for t in texts):
            raise RuntimeError("model failed")
        return np.array([[len(t), 1.0] for t in texts], dtype=np.float32)

    def embed_query(self, text: str) -> Vectors:
        vectors: Vectors = self.embed_documents([text])[0]
        return vectors


def test_requests_arriving_while_the_model_is_busy_are_embedded_together() -> None:
    slow = SlowEmbedder()
    batching = BatchingEmbedder(slow, workers=1)
    texts = ["a" * n for n in range(1, 9)]
    with ThreadPoolExecutor(8) as pool:
        first = pool.submit(batching.embed_query, texts[0])
        time.sleep(0.05)
        rest = [pool.submit(batching.embed_query, t) for t in texts[1:]]
        time.sleep(0.05)
        slow.release.set()
        vectors = [first.result(5), *(f.result(5) for f in rest)]

    assert [int(v[0]) for v in vectors] == list(range(1, 9)), "each request gets its own vector"
    assert [len(b) for b in slow.batches] == [1, 7]
    batching.close()


def test_a_failing_batch_fails_each_waiting_request() -> None:
    slow = SlowEmbedder()
    slow.release.set()
    batching = BatchingEmbedder(slow)

    with pytest.raises(RuntimeError, match="model failed"):
        batching.embed_query("boom")
    assert batching.embed_query("ok")[0] == 2.0
    batching.close()


def test_every_worker_stops_on_close() -> None:
    slow = SlowEmbedder()
    slow.release.set()
    batching = BatchingEmbedder(slow, workers=3)
    batching.embed_query("start the workers")
    threads = list(batching._threads)

    batching.close()

    assert len(threads) == 3 and not any(t.is_alive() for t in threads)


def test_batched_vectors_match_single_ones(embedder: OnnxEmbedder) -> None:
    batching = BatchingEmbedder(embedder)
    questions = ["and in pregnancy?", "Which anticoagulant is preferred for non-valvular atrial fibrillation?"]

    together = batching.embed_documents(questions)

    for question, vector in zip(questions, together, strict=True):
        assert np.allclose(vector, embedder.embed_query(question), atol=1e-5)
    batching.close()


def test_short_questions_are_not_padded_to_a_long_one() -> None:
    from service.embedding import length_groups

    texts = ["what dose?", "and in pregnancy?", "how long for?", " ".join(["word"] * 80)]

    groups = length_groups(texts)

    assert sorted(map(sorted, groups)) == [[0, 1, 2], [3]]
