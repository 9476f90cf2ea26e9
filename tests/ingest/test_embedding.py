"""The traced fast path gives the vectors `SentenceTransformer.encode` gives."""

from __future__ import annotations

import numpy as np
import pytest

from ingest.embedding import SentenceTransformerEmbedder

TEXTS = [
    "and in pregnancy?",
    "Which anticoagulant is preferred for non-valvular atrial fibrillation in a patient with CrCl 40 mL/min?",
    "What dose of dexamethasone for malignant spinal cord compression?",
]


@pytest.fixture(scope="module")
def untraced() -> SentenceTransformerEmbedder:
    """The same model with tracing off: every batch goes through `SentenceTransformer.encode`."""
    return SentenceTransformerEmbedder(trace=False)


def test_the_default_model_runs_small_batches_through_the_traced_encoder(
    embedder: SentenceTransformerEmbedder,
) -> None:
    traced = embedder.traced_encoder()

    assert traced is not None
    assert np.array_equal(embedder.embed_documents(TEXTS), traced.encode(TEXTS))


def test_traced_vectors_equal_those_of_encode_for_a_batch_of_unequal_lengths(
    embedder: SentenceTransformerEmbedder, untraced: SentenceTransformerEmbedder
) -> None:
    expected = untraced.embed_documents(TEXTS)

    got = embedder.embed_documents(TEXTS)

    assert got.dtype == np.float32 and got.shape == expected.shape
    assert np.abs(got - expected).max() < 1e-5


def test_a_single_question_embeds_as_in_a_batch(embedder: SentenceTransformerEmbedder) -> None:
    alone = embedder.embed_query(TEXTS[1])

    assert np.abs(alone - embedder.embed_documents(TEXTS)[1]).max() < 1e-5


def test_tracing_can_be_turned_off(untraced: SentenceTransformerEmbedder) -> None:
    assert untraced.traced_encoder() is None
