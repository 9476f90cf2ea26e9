"""The relevance model and its features: what each feature reads, how the model scores, what it refuses."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from bm25s.stopwords import STOPWORDS_EN_PLUS
from fastapi.testclient import TestClient

from ingest.embedding import Embedder
from ingest.models import Chunk, ReviewStatus
from ingest.settings import Settings
from service.app import create_app
from service.retrieval.features import FEATURES, STOPWORDS, CandidateEvidence, candidate_features, content_stems
from service.retrieval.relevance import MODEL_FILE, RelevanceModel


def chunk(n: int, text: str, *, section: str = "Treatment", article: str = "a", title: str = "Asthma") -> Chunk:
    return Chunk(
        id=f"{article}:{n}",
        article_id=article,
        article_title=title,
        section=section,
        text=text,
        embed_text=text,
        review_status=ReviewStatus.SUBMITTED,
        specialty="x",
        position=n,
        content_hash=str(n),
    )


def evidence(
    chunks: list[Chunk], question: str = "first line treatment of asthma", **given: object
) -> CandidateEvidence:
    count = len(chunks)
    values: dict[str, object] = {
        "question": question,
        "chunks": chunks,
        "dense": np.linspace(0.8, 0.5, count, dtype=np.float32),
        "focus": None,
        "heading": None,
        "bm25": np.linspace(3.0, 1.0, count, dtype=np.float32),
        "fused": np.linspace(0.05, 0.01, count, dtype=np.float32),
        "article_votes": {},
        "reading": None,
        "first_in_section": np.zeros(count, dtype=np.float32),
    }
    values.update(given)
    return CandidateEvidence(**values)  # type: ignore[arg-type]


def column(features: np.ndarray, name: str) -> list[float]:
    return [round(float(v), 3) for v in features[:, FEATURES.index(name)]]


def model(weights: dict[str, float], bias: float = 0.0) -> RelevanceModel:
    size = len(FEATURES)
    vector = np.array([weights.get(name, 0.0) for name in FEATURES])
    return RelevanceModel(FEATURES, np.zeros(size), np.ones(size), vector, bias)


def test_content_stems_drop_stopwords_and_fold_word_forms() -> None:
    assert content_stems("What are the treatments for Asthma?") == {"treatment", "asthma"}


def test_text_cover_is_the_share_of_the_questions_words_in_the_passage() -> None:
    chunks = [chunk(0, "Asthma treatment starts with an inhaler"), chunk(1, "Unrelated words only")]

    features = candidate_features(evidence(chunks, question="asthma treatment dose"))

    assert column(features, "text_cover") == [round(2 / 3, 3), 0.0]


def test_an_asked_heading_counts_only_where_the_heading_is_a_question() -> None:
    chunks = [chunk(0, "x", section="What is asthma?"), chunk(1, "y", section="Asthma basics")]
    heading = np.array([0.9, 0.6], dtype=np.float32)

    features = candidate_features(evidence(chunks, question="what is asthma", heading=heading))

    assert column(features, "heading_gap") == [0.0, -0.3]
    assert column(features, "asked_heading_gap") == [0.0, 0.0]
    assert column(features, "asked_heading_cover") == [1.0, 0.0]


def test_rank_features_give_the_best_candidate_one() -> None:
    chunks = [chunk(0, "a"), chunk(1, "b"), chunk(2, "c")]

    features = candidate_features(evidence(chunks, dense=np.array([0.2, 0.9, 0.5], dtype=np.float32)))

    assert column(features, "dense_rank") == [round(10 / 12, 3), 1.0, round(10 / 11, 3)]


def test_a_passage_no_bm25_word_matched_has_no_bm25_rank() -> None:
    chunks = [chunk(0, "a"), chunk(1, "b")]

    features = candidate_features(evidence(chunks, bm25=np.array([2.0, 0.0], dtype=np.float32)))

    assert column(features, "bm25_rank") == [1.0, 0.0]


def test_the_article_being_read_is_marked() -> None:
    chunks = [chunk(0, "a", article="a"), chunk(1, "b", article="b")]

    features = candidate_features(evidence(chunks, reading="b"))

    assert column(features, "reading") == [0.0, 1.0]


def test_no_candidates_give_an_empty_matrix() -> None:
    assert candidate_features(evidence([])).shape == (0, len(FEATURES))


def test_a_feature_constant_over_the_candidates_cannot_change_the_order() -> None:
    chunks = [chunk(0, "a"), chunk(1, "b"), chunk(2, "c")]
    scorer = model({"dense": 2.0, "heading": 5.0})
    without = candidate_features(evidence(chunks))
    constant = candidate_features(evidence(chunks, heading=np.full(3, 0.7, dtype=np.float32)))

    assert np.argsort(-scorer.logits(without)).tolist() == np.argsort(-scorer.logits(constant)).tolist()


def test_the_model_round_trips_through_its_json(tmp_path: Path) -> None:
    scorer = model({"dense": 1.5, "text_cover": 0.5}, bias=-1.0)
    path = tmp_path / "model.json"
    features = candidate_features(evidence([chunk(0, "asthma treatment"), chunk(1, "other")]))

    scorer.save(path)

    assert np.allclose(RelevanceModel.load(path).logits(features), scorer.logits(features))


def test_a_model_over_other_features_is_refused(tmp_path: Path) -> None:
    data = model({}).to_json()
    data["features"] = ["dense", *data["features"][1:-1], "something_else"]
    path = tmp_path / "model.json"
    path.write_text(json.dumps(data), encoding="utf-8")

    with pytest.raises(ValueError, match="features"):
        RelevanceModel.load(path)


def test_the_bundled_model_prefers_the_passage_whose_heading_asks_the_question() -> None:
    bundled = RelevanceModel.load(MODEL_FILE)
    chunks = [chunk(0, "x", section="What causes asthma?"), chunk(1, "y", section="What is asthma?")]
    given = {"dense": np.full(2, 0.6, dtype=np.float32), "bm25": np.full(2, 2.0, dtype=np.float32)}
    heading = np.array([0.9, 0.6], dtype=np.float32)

    scores = bundled.logits(
        candidate_features(evidence(chunks, question="why do people get asthma", heading=heading, **given))
    )

    assert scores[0] > scores[1]


def test_the_bundled_model_records_how_it_was_trained() -> None:
    provenance = json.loads(MODEL_FILE.read_text(encoding="utf-8"))["provenance"]

    assert provenance["trained_by"] == "python -m evals.train_relevance"
    assert set(provenance["queries"]) == {"medquad", "corpus"}


def test_the_learned_ranking_setting_reaches_the_served_retriever(settings: Settings, embedder: Embedder) -> None:
    learned = settings.model_copy(update={"service": settings.service.model_copy(update={"learned_ranking": True})})

    with TestClient(create_app(learned, embedder=embedder)) as client:
        served = client.app.state.service.retriever  # type: ignore[attr-defined]

    assert served.config.learned_ranking and served.relevance is not None


def test_content_words_drop_bm25s_extended_stopwords() -> None:
    # The model was trained on features that dropped exactly these words.
    assert frozenset(STOPWORDS_EN_PLUS) == STOPWORDS
