"""Choosing the emergency model's strength and threshold by cross-validation, a miss costing ten false flags."""

from __future__ import annotations

import numpy as np

from evals.train_triage import Example, choose


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

    best = choose(vectors, examples)

    assert best.missed == 0
    assert best.false_flags < 5


def test_a_question_the_gate_blocks_is_never_counted_as_caught() -> None:
    vectors, examples = _cases()
    blocked = [Example(e.question, e.emergency, e.source, gate=not e.emergency) for e in examples]

    best = choose(vectors, blocked)

    assert best.missed == sum(e.emergency for e in examples)
    assert best.false_flags == 0
