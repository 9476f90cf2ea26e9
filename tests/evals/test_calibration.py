"""The judge's calibration against the physicians' labels (needs ../shared)."""

from __future__ import annotations

import json

import pytest

from evals.calibration import calibrate, read_pairs
from evals.judge import THRESHOLDS_FILE, EmbeddingJudge, Thresholds


@pytest.mark.shared
def test_the_physician_labels_are_read_with_their_majority(shared_dir):
    pairs = read_pairs(shared_dir / "data" / "kqa-dev" / "NLI_medical_annotator.dev.csv")
    assert len(pairs) == 244
    assert {p.majority for p in pairs} == {"Entailment", "Neutral", "Contradiction"}


@pytest.mark.shared
def test_calibration_reports_in_sample_and_cross_validated_agreement(shared_dir, embedder):
    pairs = read_pairs(shared_dir / "data" / "kqa-dev" / "NLI_medical_annotator.dev.csv")[:40]
    report = calibrate(EmbeddingJudge(embedder, Thresholds()), pairs, k=4)
    assert report["items"] == 40 and report["cross_validated"]["folds"] == 4
    for key in ("in_sample", "cross_validated"):
        assert -1.0 <= report[key]["kappa"] <= 1.0 and 0.0 <= report[key]["accuracy"] <= 1.0


def test_the_stored_thresholds_carry_their_agreement_figures():
    stored = json.loads(THRESHOLDS_FILE.read_text(encoding="utf-8"))
    assert stored["items"] == 244
    assert stored["cross_validated"]["kappa"] > 0.2
    assert Thresholds.load().entail == stored["thresholds"]["entail"]
