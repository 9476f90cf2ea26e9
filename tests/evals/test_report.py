"""The report writer: summary.json, report.md with baselines side by side and the worst cases, PNG plots."""

from __future__ import annotations

import json

from evals.report import write_reports
from tests.evals.synthetic import results, summary


def test_the_report_writer_produces_the_summary_the_markdown_and_the_plots(tmp_path):
    written = write_reports(summary(), results(), tmp_path)
    names = sorted(p.name for p in written)
    assert names == [
        "golden-latency.png",
        "golden-metrics.png",
        "golden-specialties.png",
        "report.md",
        "summary.json",
    ]
    for png in tmp_path.glob("*.png"):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    stored = json.loads((tmp_path / "summary.json").read_text())
    assert stored["datasets"][0]["systems"]["product"]["metrics"]["ndcg_10"] == 0.8
    report = (tmp_path / "report.md").read_text()
    assert "| metric | product | bm25 | product / bm25 |" in report
    assert "| nDCG@10 | 0.800 | 0.600 | ×1.33 |" in report
    assert "### Worst 10 cases (product)" in report and "expected answered" in report
    assert "![golden-latency](golden-latency.png)" in report
