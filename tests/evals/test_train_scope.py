"""Choosing the scope model's strength and threshold by cross-validation, a refusal costing more than a miss."""

from __future__ import annotations

import numpy as np

from evals.train_scope import REQUESTS, Example, choose, read_requests


def _cases(seed: int = 0) -> tuple[np.ndarray, list[Example]]:
    """Requests out of scope near one direction, clinical questions near another."""
    rng = np.random.default_rng(seed)
    out, clinical = np.eye(8)[0], np.eye(8)[1]
    vectors, examples = [], []
    for i in range(60):
        is_out = i % 4 == 0
        vectors.append((out if is_out else clinical) + rng.normal(0, 0.35, 8))
        examples.append(Example(f"case {i}", out_of_scope=is_out, source="tune"))
    for i in range(40):
        vectors.append(out + rng.normal(0, 0.35, 8))
        examples.append(Example(f"request {i}", out_of_scope=True, source="requests"))
    unit = np.asarray(vectors) / np.linalg.norm(vectors, axis=1, keepdims=True)
    return unit.astype(np.float32), examples


def test_separable_cases_give_a_candidate_that_refuses_no_clinical_question() -> None:
    vectors, examples = _cases()

    best = choose(vectors, examples)

    assert best.refused == 0
    assert best.missed < 3


def test_the_requests_file_holds_requests_and_no_comment_lines() -> None:
    requests = read_requests(REQUESTS)

    assert len(requests) >= 150
    assert not any(line.startswith("#") for line in requests)
