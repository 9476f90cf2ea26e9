"""The development set: fixed halves, its extra keys, and the per-category and confusion figures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.datasets import DatasetError, devset_split, read_devset
from evals.models import CaseMetrics, CaseResult
from evals.summary import category_scores, confusion_matrix, emergency_recall_by_system
from service.schema import AnswerStatus


def emergency_line(number: int, system: str = "neurological") -> str:
    return json.dumps(
        {
            "id": f"dv-t-{number:03d}",
            "question": "worst headache of my life came on in seconds",
            "audience": "patient",
            "expected_status": "emergency",
            "kind": "emergency",
            "specialty": "neurology",
            "category": "emergency",
            "system": system,
            "presentation": "thunderclap headache",
        }
    )


def write_part(directory: Path, name: str, lines: list[str]) -> Path:
    directory.mkdir(exist_ok=True)
    path = directory / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_the_split_rule_is_the_parity_of_the_sha256_of_the_id():
    # sha256("dv-t-001") ends in hex "a" (even: tune), sha256("dv-t-002") in "b" (odd: test).
    assert (devset_split("dv-t-001"), devset_split("dv-t-002")) == ("tune", "test")


def test_the_two_halves_are_disjoint_and_together_hold_every_case(tmp_path):
    parts = tmp_path / "parts"
    write_part(parts, "a.jsonl", [emergency_line(n) for n in range(1, 21)])
    tune, test, both = read_devset("tune", parts), read_devset("test", parts), read_devset(None, parts)
    assert {c.id for c in tune}.isdisjoint({c.id for c in test})
    assert {c.id for c in tune} | {c.id for c in test} == {c.id for c in both}
    assert tune and test


def test_the_devset_keys_reach_the_case(tmp_path):
    parts = tmp_path / "parts"
    write_part(parts, "a.jsonl", [emergency_line(1, system="eye")])
    (case,) = read_devset(None, parts)
    assert (case.category, case.body_system, case.presentation) == ("emergency", "eye", "thunderclap headache")


def test_an_id_repeated_across_parts_is_reported(tmp_path):
    parts = tmp_path / "parts"
    write_part(parts, "a.jsonl", [emergency_line(1)])
    write_part(parts, "b.jsonl", [emergency_line(1)])
    with pytest.raises(DatasetError, match="duplicate id 'dv-t-001'"):
        read_devset(None, parts)


def result(
    case_id: str, expected: AnswerStatus, got: AnswerStatus, category: str, system: str | None = None
) -> CaseResult:
    return CaseResult(
        case_id=case_id,
        dataset="devset",
        system="product",
        question="q",
        category=category,
        body_system=system,
        expected_status=expected,
        status=got,
        metrics=CaseMetrics(status_correct=float(expected is got)),
    )


E, A, OOS = AnswerStatus.EMERGENCY, AnswerStatus.ANSWERED, AnswerStatus.OUT_OF_SCOPE
RESULTS = [
    result("1", E, E, "emergency", "eye"),
    result("2", E, OOS, "emergency", "mental-health"),
    result("3", A, E, "alarming"),
    result("4", A, A, "alarming"),
]


def test_the_confusion_matrix_counts_expected_against_given():
    assert confusion_matrix(RESULTS) == {
        "answered": {"answered": 1, "emergency": 1},
        "emergency": {"emergency": 1, "out_of_scope": 1},
    }


def test_the_false_emergency_rate_shows_per_category():
    assert category_scores(RESULTS)["alarming"] == {"cases": 2, "status_correct": 0.5, "emergency_rate": 0.5}


def test_emergency_recall_is_reported_per_body_system():
    assert emergency_recall_by_system(RESULTS) == {
        "eye": {"cases": 1, "recall": 1.0},
        "mental-health": {"cases": 1, "recall": 0.0},
    }
