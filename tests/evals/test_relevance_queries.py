"""Training queries reworded from MedQuAD questions: seeded, about the same topic, asked another way."""

from __future__ import annotations

import random

import numpy as np

from evals.relevance_queries import reworded_question
from evals.train_relevance import ndcg_at_10


def test_rewording_is_the_same_for_the_same_seed() -> None:
    first = [
        reworded_question("What are the treatments for Glaucoma ?", "Glaucoma", random.Random(7)) for _ in range(3)
    ]
    second = [
        reworded_question("What are the treatments for Glaucoma ?", "Glaucoma", random.Random(7)) for _ in range(3)
    ]

    assert first == second


def test_a_reworded_question_keeps_its_topic_and_leaves_the_heading() -> None:
    rng = random.Random(1)
    heading = "What are the treatments for Glaucoma ?"

    reworded = [reworded_question(heading, "Glaucoma", rng) for _ in range(40)]

    assert all("glaucoma" in text or " it" in text for text in reworded)
    assert heading not in reworded
    assert len(set(reworded)) > 5


def test_a_question_of_an_unknown_type_is_kept_in_its_own_words() -> None:
    reworded = reworded_question("Why is the sky blue for Glaucoma ?", "Glaucoma", random.Random(3))

    assert "sky" in reworded or "blue" in reworded


def test_ndcg_is_one_when_every_positive_leads_and_lower_otherwise() -> None:
    labels = np.array([1, 0, 0, 1], dtype=np.int8)

    assert ndcg_at_10(np.array([4.0, 1.0, 0.5, 3.0]), labels) == 1.0
    assert ndcg_at_10(np.array([0.0, 3.0, 2.0, 1.0]), labels) < 0.6
