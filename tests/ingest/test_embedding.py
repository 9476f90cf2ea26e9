"""The ONNX encoder gives the vectors sentence-transformers gives, cut, pooled and ordered as the model defines."""

from __future__ import annotations

import numpy as np

from ingest.embedding import OnnxEmbedder, SentenceTransformerEmbedder
from ingest.embedding.export import MIN_COSINE, VERIFY_TEXTS

TEXTS = [
    "and in pregnancy?",
    "Which anticoagulant is preferred for non-valvular atrial fibrillation in a patient with CrCl 40 mL/min?",
    "What dose of dexamethasone for malignant spinal cord compression?",
    "Potassium above 6.5 mmol/L with ECG changes is treated at once: " + "calcium, insulin and glucose. " * 30,
]


def test_onnx_vectors_agree_with_sentence_transformers_for_texts_of_unequal_length(
    embedder: OnnxEmbedder, reference: SentenceTransformerEmbedder
) -> None:
    got = embedder.embed_documents(TEXTS)
    expected = reference.embed_documents(TEXTS)

    assert got.dtype == np.float32 and got.shape == expected.shape == (4, 384)
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    assert np.sum(got * expected, axis=1).min() >= MIN_COSINE[embedder.encoder.precision]


def test_the_export_records_how_well_it_agreed_before_it_was_used(embedder: OnnxEmbedder) -> None:
    config = embedder.config

    assert config.sample_size == len(VERIFY_TEXTS)
    assert MIN_COSINE[embedder.encoder.precision] <= config.min_cosine <= config.mean_cosine <= 1.0


def test_a_text_is_cut_at_the_models_sequence_length(embedder: OnnxEmbedder) -> None:
    long = "hypercalcaemia " * 400

    (encoding,) = embedder.tokenize([long])

    assert len(encoding.ids) == embedder.config.max_seq_length == 256
    assert np.abs(embedder.embed_query(long) - embedder.embed_query(long + "and more words past the cut")).max() < 1e-6


def test_the_tokenizer_files_own_fixed_padding_is_not_applied(embedder: OnnxEmbedder) -> None:
    """MiniLM's tokenizer.json pads to 128 and cuts at 128; the model is used with neither."""
    (short, long) = embedder.tokenize(["dose?", "word " * 200])

    assert len(short.ids) == 4 and len(long.ids) == 202


def test_vectors_come_back_in_the_callers_order_across_length_sorted_batches(embedder: OnnxEmbedder) -> None:
    small_batches = OnnxEmbedder.load(embedder.directory, model_reference=embedder.model_reference, batch_size=2)
    texts = [f"question {i}: {'why ' * ((7 * i) % 11)}is the potassium high?" for i in range(9)]

    batched = small_batches.embed_documents(texts)
    alone = np.stack([embedder.embed_query(text) for text in texts])

    similarities = batched @ alone.T
    assert list(similarities.argmax(axis=1)) == list(range(len(texts)))
    assert np.diag(similarities).min() > 0.9999


def test_no_texts_give_an_empty_matrix_of_the_models_width(embedder: OnnxEmbedder) -> None:
    assert embedder.embed_documents([]).shape == (0, 384)
