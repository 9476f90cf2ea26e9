"""The traced fast path gives the vectors `SentenceTransformer.encode` gives."""

from __future__ import annotations

import numpy as np

from ingest.embedding import SentenceTransformerEmbedder

TEXTS = [
    "and in pregnancy?",
    "Which anticoagulant is preferred for non-valvular atrial fibrillation in a patient with CrCl 40 mL/min?",
    "What dose of dexamethasone for malignant spinal cord compression?",
]


def test_the_default_model_runs_small_batches_through_the_traced_encoder(
    embedder: SentenceTransformerEmbedder,
) -> None:
    embedder.embed_query("load")

    assert embedder._traced is not None


def test_traced_vectors_equal_those_of_encode_for_a_batch_of_unequal_lengths(
    embedder: SentenceTransformerEmbedder,
) -> None:
    model = embedder._load()
    expected = model.encode(TEXTS, normalize_embeddings=True, convert_to_numpy=True)

    got = embedder.embed_documents(TEXTS)

    assert got.dtype == np.float32 and got.shape == expected.shape
    assert np.abs(got - expected).max() < 1e-5


def test_a_single_question_embeds_as_in_a_batch(embedder: SentenceTransformerEmbedder) -> None:
    alone = embedder.embed_query(TEXTS[1])

    assert np.abs(alone - embedder.embed_documents(TEXTS)[1]).max() < 1e-5


def test_tracing_can_be_turned_off() -> None:
    untraced = SentenceTransformerEmbedder(trace=False)

    untraced.embed_query("load")

    assert untraced._traced is None
