"""`vademecum eval compare A B`: differences, with regressions flagged and a failing exit code."""

from __future__ import annotations

from evals.compare import compare
from evals.report import write_reports
from tests.evals.synthetic import results, summary
from vademecum import main


def test_compare_flags_a_drop_beyond_tolerance_as_a_regression():
    changes = {(c.system, c.metric): c for c in compare(summary(0.8), summary(0.7))}
    assert changes[("product", "ndcg_10")].regression
    assert not changes[("product", "citation_coverage")].regression
    assert not changes[("product", "latency_p95_ms")].regression


def test_compare_flags_slower_latency_beyond_twenty_percent():
    changes = {(c.system, c.metric): c for c in compare(summary(latency=100), summary(latency=200))}
    assert changes[("product", "latency_p50_ms")].regression
    assert not changes[("product", "ndcg_10")].regression


def test_the_compare_command_prints_the_regression_and_exits_non_zero(tmp_path, capsys):
    before, after = tmp_path / "a", tmp_path / "b"
    write_reports(summary(0.8), results(0.8), before)
    write_reports(summary(0.5), results(0.5), after)
    assert main(["eval", "compare", str(before), str(after)]) == 1
    printed = capsys.readouterr().out
    assert "ndcg_10" in printed and "REGRESSION" in printed
    assert main(["eval", "compare", str(before), str(before)]) == 0
