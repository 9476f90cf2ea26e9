"""The ONNX encoder gives the model's vectors: fp32 to float precision, int8 within its checked tolerance."""

from __future__ import annotations

import numpy as np
import pytest

from ingest.embedding import Embedder, OnnxEmbedder, SentenceTransformerEmbedder, export_dir, export_encoder
from ingest.layout import DataDir

TEXTS = [
    "and in pregnancy?",
    "Which anticoagulant is preferred for non-valvular atrial fibrillation in a patient with CrCl 40 mL/min?",
    "What dose of dexamethasone for malignant spinal cord compression?",
    # Longer than the 256-token limit: cut exactly where the model cuts.
    "hypercalcaemia " * 400,
]


@pytest.fixture(scope="module")
def fp32(encoders_dir: DataDir, reference_embedder: SentenceTransformerEmbedder) -> OnnxEmbedder:
    directory = export_encoder(encoders_dir, reference_embedder, "fp32")
    return OnnxEmbedder.load(directory, reference_embedder.model_reference, threads=1)


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.asarray(np.sum(a * b, axis=1))


def test_fp32_vectors_equal_the_models(fp32: OnnxEmbedder, reference_embedder: SentenceTransformerEmbedder) -> None:
    expected = reference_embedder.embed_documents(TEXTS)

    got = fp32.embed_documents(TEXTS)

    assert got.dtype == np.float32 and got.shape == expected.shape == (4, 384)
    assert np.abs(got - expected).max() < 1e-5


def test_int8_vectors_stay_within_the_checked_tolerance_of_the_models(
    embedder: Embedder, reference_embedder: SentenceTransformerEmbedder
) -> None:
    assert embedder.encoder == "int8"

    similarity = _cosines(embedder.embed_documents(TEXTS), reference_embedder.embed_documents(TEXTS))

    assert similarity.min() >= 0.95 and similarity.mean() >= 0.985


def test_an_int8_vector_does_not_depend_on_the_texts_batched_with_it(embedder: Embedder) -> None:
    alone = embedder.embed_query(TEXTS[1])

    assert np.array_equal(alone, embedder.embed_documents(TEXTS)[1])
    assert np.array_equal(alone, embedder.embed_documents(list(reversed(TEXTS)))[2])


def test_fp32_batches_of_unequal_lengths_give_each_text_its_own_vector(fp32: OnnxEmbedder) -> None:
    batched = fp32.embed_documents(TEXTS)

    for text, vector in zip(TEXTS, batched, strict=True):
        assert np.abs(fp32.embed_query(text) - vector).max() < 1e-5


def test_vectors_have_unit_length(embedder: Embedder) -> None:
    assert np.allclose(np.linalg.norm(embedder.embed_documents(TEXTS), axis=1), 1.0, atol=1e-5)


def test_no_texts_give_no_vectors(embedder: Embedder) -> None:
    assert embedder.embed_documents([]).shape == (0, 384)


def test_the_encoder_names_the_model_and_its_kind(embedder: Embedder, fp32: OnnxEmbedder) -> None:
    assert (embedder.model_name, embedder.encoder, embedder.dimension) == ("all-MiniLM-L6-v2", "int8", 384)
    assert fp32.encoder == "fp32"


def test_parallel_passes_give_the_vectors_of_one_pass_at_a_time(encoders_dir: DataDir, embedder: Embedder) -> None:
    parallel = OnnxEmbedder.load(export_dir(encoders_dir, "", 256, "int8"), embedder.model_reference, threads=2)

    assert np.array_equal(parallel.embed_documents(TEXTS * 3), embedder.embed_documents(TEXTS * 3))
