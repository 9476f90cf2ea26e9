"""The abstention threshold is calibrated: questions the corpus answers are answered, others are not.

The two question lists under tests/service/data are written in our own words: one asks what the
bundled corpus covers, the other asks about topics it does not cover. The golden set (evals/golden)
was used to choose AnswerPolicy.abstain_below; this test keeps the choice honest as the corpus grows.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.answering.pipeline import AnswerPolicy
from tests.service.conftest import CorpusIndex

DATA = Path(__file__).parent / "data"


def questions(name: str) -> list[str]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def statuses(client: TestClient, asked: list[str]) -> dict[str, str]:
    return {q: client.post("/v1/followups", json={"question": q}).json()["status"] for q in asked}


def test_covered_questions_are_answered(client: TestClient, corpus_index: CorpusIndex) -> None:
    if corpus_index.articles < 40:
        pytest.fail("the corpus is not complete yet")
    results = statuses(client, questions("covered_questions.txt"))

    missed = [q for q, status in results.items() if status != "answered"]
    assert len(missed) <= 0.1 * len(results), missed


def test_uncovered_questions_are_not_answered(client: TestClient) -> None:
    results = statuses(client, questions("uncovered_questions.txt"))

    answered = [q for q, status in results.items() if status == "answered"]
    assert len(answered) <= 0.2 * len(results), answered


def test_default_threshold_is_the_calibrated_one() -> None:
    assert AnswerPolicy().abstain_below == pytest.approx(0.43)
