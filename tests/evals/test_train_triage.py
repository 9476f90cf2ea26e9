"""Choosing the emergency model's strength and threshold by cross-validation, a miss costing ten false flags."""

from __future__ import annotations

import numpy as np

from evals.datasets import REPO
from evals.train_triage import Example, choose, corpus_questions


def _cases(seed: int = 0) -> tuple[np.ndarray, list[Example]]:
    """Emergencies near one direction, other questions near another, a few of each in between."""
    rng = np.random.default_rng(seed)
    emergency, other = np.eye(8)[0], np.eye(8)[1]
    vectors, examples = [], []
    for i in range(60):
        is_emergency = i % 3 == 0
        centre = emergency if is_emergency else other
        vectors.append(centre + rng.normal(0, 0.35, 8))
        examples.append(Example(f"case {i}", emergency=is_emergency, source="tune"))
    for i in range(40):
        vectors.append(other + rng.normal(0, 0.35, 8))
        examples.append(Example(f"consumer {i}", emergency=False, source="consumer"))
    unit = np.asarray(vectors) / np.linalg.norm(vectors, axis=1, keepdims=True)
    return unit.astype(np.float32), examples


def test_separable_cases_give_a_candidate_that_misses_no_emergency() -> None:
    vectors, examples = _cases()

    best, _ = choose(vectors, examples)

    assert best.missed == 0
    assert best.false_flags < 5


def test_a_question_the_gate_blocks_is_never_counted_as_caught() -> None:
    vectors, examples = _cases()
    blocked = [Example(e.question, e.emergency, e.source, gate=not e.emergency) for e in examples]

    best, _ = choose(vectors, blocked)

    assert best.missed == sum(e.emergency for e in examples)
    assert best.false_flags == 0


def _conversations(seed: int = 0) -> tuple[np.ndarray, list[Example]]:
    """Clear emergencies typed inside conversations, subtler ones typed alone (which keep the one threshold
    low), and follow-ups inside conversations that lean a little towards the emergencies."""
    rng = np.random.default_rng(seed)
    emergency, other = np.eye(8)[0], np.eye(8)[1]
    groups = [
        (20, emergency, 0.3, True, "tune", True),
        (10, 0.5 * emergency + 0.5 * other, 0.1, True, "tune", False),
        (40, other, 0.3, False, "tune", False),
        (20, 0.4 * emergency + 0.6 * other, 0.1, False, "tune", True),
        (40, other, 0.3, False, "consumer", False),
    ]
    vectors, examples = [], []
    for count, centre, spread, is_emergency, source, conversation in groups:
        for i in range(count):
            vectors.append(centre + rng.normal(0, spread, 8))
            examples.append(Example(f"{source} {i}", is_emergency, source, conversation=conversation))
    unit = np.asarray(vectors) / np.linalg.norm(vectors, axis=1, keepdims=True)
    return unit.astype(np.float32), examples


def test_the_conversation_threshold_is_chosen_over_the_conversation_cases_alone() -> None:
    vectors, examples = _conversations()

    best, inside = choose(vectors, examples)

    assert inside.missed == 0
    assert inside.threshold > best.threshold
    assert inside.false_flags < best.false_flags


def test_without_conversation_cases_a_conversation_gets_the_one_threshold() -> None:
    vectors, examples = _cases()

    best, inside = choose(vectors, examples)

    assert inside == best


def test_the_corpus_questions_are_the_bundled_articles_and_their_related_questions() -> None:
    questions = corpus_questions()

    assert "How should an acute asthma exacerbation in adults be managed?" in questions
    assert len(questions) > len(list((REPO / "corpus").glob("*.md")))


def test_corpus_questions_are_always_trained_on_and_never_scored() -> None:
    vectors, examples = _cases()
    # The corpus questions sit right among the emergencies: scored, they would be false flags.
    extra = np.tile(np.eye(8)[0], (10, 1)).astype(np.float32)
    corpus = [Example(f"corpus {i}", emergency=False, source="corpus") for i in range(10)]

    best, _ = choose(np.vstack([vectors, extra]), examples + corpus)
    without, _ = choose(vectors, examples)

    assert best.false_flags <= without.false_flags
