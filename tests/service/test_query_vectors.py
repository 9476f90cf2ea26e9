"""The request path embeds only the question: context comes from ingest-time or recent vectors."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ingest.embedding import Embedder, EncoderKind, Vectors
from service.retrieval.query_vectors import QueryVectorizer, RecentQuestions, combine

ARTICLE_QUESTION = "How should anticoagulation be managed in atrial fibrillation?"
PREVIOUS = "Which anticoagulant is preferred for non-valvular AF?"
FOLLOWUP = "and in pregnancy?"


class CountingEmbedder:
    """The real model, counting the texts it is asked to embed."""

    def __init__(self, model: Embedder) -> None:
        self.model = model
        self.texts: list[str] = []

    @property
    def model_name(self) -> str:
        return self.model.model_name

    @property
    def model_reference(self) -> str:
        return self.model.model_reference

    @property
    def encoder(self) -> EncoderKind:
        return self.model.encoder

    @property
    def dimension(self) -> int:
        return self.model.dimension

    def embed_documents(self, texts: Sequence[str]) -> Vectors:
        self.texts.extend(texts)
        return self.model.embed_documents(texts)

    def embed_query(self, text: str) -> Vectors:
        self.texts.append(text)
        return self.model.embed_query(text)


def test_self_contained_question_is_embedded_once(embedder: Embedder) -> None:
    counting = CountingEmbedder(embedder)

    vectors = QueryVectorizer(counting).vectors(PREVIOUS, [])

    assert counting.texts == [PREVIOUS]
    assert vectors.focus is None


def test_a_question_embedded_before_retrieval_is_not_embedded_again(embedder: Embedder) -> None:
    counting = CountingEmbedder(embedder)
    own = embedder.embed_query(PREVIOUS)

    vectors = QueryVectorizer(counting).vectors(PREVIOUS, [], own=own)

    assert counting.texts == []
    assert np.array_equal(vectors.search, own)


def test_a_followup_embedded_before_retrieval_embeds_only_its_unseen_context(
    embedder: Embedder,
) -> None:
    counting = CountingEmbedder(embedder)
    own = embedder.embed_query(FOLLOWUP)

    with_own = QueryVectorizer(counting).vectors(FOLLOWUP, [PREVIOUS], own=own)
    without = QueryVectorizer(embedder).vectors(FOLLOWUP, [PREVIOUS])

    assert counting.texts == [PREVIOUS]
    assert with_own.embedded == 1
    assert float(with_own.search @ without.search) > 0.9999


def test_followup_embeds_only_its_question_when_the_context_was_seen(embedder: Embedder) -> None:
    counting = CountingEmbedder(embedder)
    vectorizer = QueryVectorizer(counting, known={ARTICLE_QUESTION: embedder.embed_query(ARTICLE_QUESTION)})
    vectorizer.vectors(PREVIOUS, [])  # the previous request of the chat

    vectors = vectorizer.vectors(FOLLOWUP, [PREVIOUS, ARTICLE_QUESTION])

    assert counting.texts == [PREVIOUS, FOLLOWUP]
    assert vectors.embedded == 1


def test_unseen_context_is_embedded_with_the_question_in_one_call(embedder: Embedder) -> None:
    counting = CountingEmbedder(embedder)

    vectors = QueryVectorizer(counting).vectors(FOLLOWUP, [PREVIOUS])

    assert counting.texts == [FOLLOWUP, PREVIOUS]
    assert vectors.embedded == 2


def test_followup_focus_is_the_question_alone(embedder: Embedder) -> None:
    vectors = QueryVectorizer(embedder).vectors(FOLLOWUP, [PREVIOUS])

    assert vectors.focus is not None
    assert float(vectors.focus @ embedder.embed_query(FOLLOWUP)) > 0.999


def test_combined_vector_stays_close_to_embedding_the_concatenated_text(
    embedder: Embedder,
) -> None:
    texts = [FOLLOWUP, PREVIOUS, ARTICLE_QUESTION]
    parts = [(text, embedder.embed_query(text)) for text in texts]

    combined = combine(parts)

    joint = embedder.embed_query(" ".join(texts))
    assert np.isclose(np.linalg.norm(combined), 1.0)
    assert float(combined @ joint) > max(float(vector @ joint) for _, vector in parts)


def test_recent_questions_forget_the_least_recently_used_beyond_capacity() -> None:
    recent = RecentQuestions(capacity=2)
    vector = np.ones(3, dtype=np.float32)
    recent.put("a", vector)
    recent.put("b", vector)
    recent.get("a")

    recent.put("c", vector)

    assert recent.get("b") is None
    assert recent.get("a") is not None and recent.get("c") is not None
