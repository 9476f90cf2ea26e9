"""The ranker's training: the same seed gives the same model, and the fit learns what the labels follow."""

from __future__ import annotations

import random

import numpy as np

from evals.ranker_fit import Examples, fit_logistic
from evals.train_ranker import reword, train
from service.ranking_features import FEATURES


def tiny_sample(seed: int) -> Examples:
    """40 queries of 10 candidates; the positive is the candidate with the highest coverage, plus noise."""
    rng = np.random.default_rng(seed)
    features = rng.normal(size=(400, len(FEATURES))).astype(np.float32)
    queries = np.repeat(np.arange(40), 10)
    labels = np.zeros(400)
    coverage = FEATURES.index("coverage")
    for q in range(40):
        rows = np.flatnonzero(queries == q)
        labels[rows[np.argmax(features[rows, coverage])]] = 1
    return Examples(features, labels, queries, groups=queries // 4, sources=queries % 2)


def test_training_twice_with_the_same_seed_gives_the_same_model() -> None:
    examples = tiny_sample(0)

    first, _ = train(examples, seed=5, l2=1.0)
    second, _ = train(examples, seed=5, l2=1.0)

    assert first.fingerprint() == second.fingerprint()
    assert first.training == second.training


def test_the_fit_weighs_the_feature_the_labels_follow_most() -> None:
    fitted = fit_logistic(tiny_sample(1))

    assert int(np.argmax(fitted.weights)) == FEATURES.index("coverage")


def test_rewording_a_question_is_repeatable_and_drops_its_question_words() -> None:
    question = "What are the symptoms of Glaucoma ?"

    worded = reword(question, random.Random(3))

    assert worded == reword(question, random.Random(3))
    assert sorted(worded.split()) == ["glaucoma", "symptoms"]
