"""Quality gates read from a thresholds file."""

from __future__ import annotations

from pathlib import Path

from evals.gate import check_gate, read_gate
from tests.evals.synthetic import summary

REPO_GATE = Path(__file__).resolve().parents[2] / "evals" / "thresholds.toml"


def test_a_metric_below_its_minimum_fails_the_gate(tmp_path):
    gate = tmp_path / "gate.toml"
    gate.write_text("[min]\nndcg_10 = 0.9\nreferences_consistent = 1.0\n[max]\nlatency_p95_ms = 5000\n")
    (failure,) = check_gate(summary(0.8), gate)
    assert (failure.dataset, failure.metric, failure.value) == ("golden", "ndcg_10", 0.8)
    assert str(failure) == "golden: ndcg_10 = 0.8, gate >= 0.9"


def test_a_dataset_gate_on_an_unmeasured_metric_fails_and_json_files_work(tmp_path):
    gate = tmp_path / "gate.json"
    gate.write_text('{"datasets": {"golden": {"min": {"recall_50": 0.5}}, "kqa-dev": {"min": {"mrr": 1}}}}')
    (failure,) = check_gate(summary(), gate)
    assert (failure.metric, failure.value) == ("recall_50", None)


def test_the_repository_gate_file_names_only_metrics_a_summary_has():
    system, rules = read_gate(REPO_GATE)
    known = set(summary().datasets[0].systems["product"].metrics)
    assert system == "product" and rules
    assert {rule.metric for rule in rules} <= known | {f"{k}_emergency" for k in ("precision", "recall")}
