"""The CI quality gate: a fast subset of the golden set, run over the bundled corpus, must meet
evals/thresholds.toml. `make test` runs it, so a quality regression fails the build."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.settings import get_settings
from vademecum import main

REPO = Path(__file__).resolve().parents[2]
GATE_CASES = 40


@pytest.mark.slow
def test_a_golden_subset_over_the_corpus_passes_the_quality_gate(tmp_path, corpus_data_dir, monkeypatch, capsys):
    monkeypatch.setenv("VADEMECUM_DATA_DIR", str(corpus_data_dir.root))
    get_settings.cache_clear()
    try:
        code = main(
            [
                "eval",
                "golden",
                "--limit",
                str(GATE_CASES),
                "--gate",
                str(REPO / "evals" / "thresholds.toml"),
                "--out",
                str(tmp_path / "gate"),
                "--quiet",
            ]
        )
    finally:
        get_settings.cache_clear()
    captured = capsys.readouterr()
    assert code == 0, captured.err + captured.out
