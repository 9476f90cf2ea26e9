"""The offline judge: negation and number checks, and its verdicts with the real MiniLM model."""

from __future__ import annotations

import numpy as np
import pytest

from evals.calibration import FeatureTable, LabelledPair, fast_kappa, folds
from evals.judge import EmbeddingJudge, Features, Label, Thresholds, negation_mismatch, number_mismatch, numbers
from evals.metrics import cohen_kappa


def test_negation_mismatch_when_only_one_side_is_negated():
    assert negation_mismatch("Metformin is not safe below an eGFR of 30", "Metformin is safe below an eGFR of 30")
    assert negation_mismatch("NSAIDs should be avoided in CKD", "NSAIDs are fine in CKD")
    assert not negation_mismatch("It isn't safe", "It is not recommended and is not safe")


def test_numbers_are_read_with_decimal_and_thousands_commas():
    assert numbers("give 1,000 mg then 0.5 mg or 2,5 mL") == {1000.0, 0.5, 2.5}


def test_number_mismatch_needs_numbers_on_both_sides_and_none_shared():
    assert number_mismatch("treat for 5 days", "treat for 10 days")
    assert not number_mismatch("treat for 5 days", "treat for 5 to 7 days")
    assert not number_mismatch("treat for 5 days", "treat until better")


def test_a_mismatch_is_a_contradiction_only_about_the_same_thing():
    t = Thresholds(weight=1.0, entail=0.7, contradict=0.8)
    close = Features(similarity=0.9, token_recall=0.9, negation_mismatch=True, number_mismatch=False, best_claim="x")
    far = Features(similarity=0.5, token_recall=0.9, negation_mismatch=True, number_mismatch=False, best_claim="x")
    assert close.label(t).label is Label.CONTRADICTION
    assert far.label(t).label is Label.ENTAILMENT


@pytest.fixture(scope="module")
def judge(embedder) -> EmbeddingJudge:
    return EmbeddingJudge(embedder)


PREMISE = (
    "Low-dose colchicine, 1 mg followed by 0.5 mg one hour later, treats a gout flare. "
    "NSAIDs should be avoided in chronic kidney disease."
)


def test_the_judge_entails_a_statement_the_premise_makes(judge):
    (verdict,) = judge.judge(PREMISE, ["Colchicine 1 mg then 0.5 mg an hour later treats gout flares"])
    assert verdict.label is Label.ENTAILMENT


def test_the_judge_flags_a_negated_statement_as_contradicted(judge):
    (verdict,) = judge.judge(PREMISE, ["NSAIDs should not be avoided in chronic kidney disease"])
    assert verdict.label is Label.CONTRADICTION and "negation" in verdict.reason


def test_the_judge_calls_an_unrelated_statement_neutral(judge):
    (verdict,) = judge.judge(PREMISE, ["Shingles vaccination is offered at age seventy"])
    assert verdict.label is Label.NEUTRAL


def test_fast_kappa_matches_the_reference_kappa():
    truth, predicted = np.array([0, 0, 1, 1, 1, 2]), np.array([0, 1, 1, 1, 0, 2])
    labels = "ENC"
    kappa, correct = fast_kappa(truth, predicted)
    assert kappa == pytest.approx(cohen_kappa([labels[i] for i in truth], [labels[i] for i in predicted]))
    assert correct == pytest.approx(4 / 6)


def test_cross_validation_folds_never_split_a_question():
    pairs = [LabelledPair(f"q{i % 7}", "p", "h", "Neutral", ("Neutral",) * 3) for i in range(30)]
    for fold in folds(pairs, 5):
        inside = {pairs[i].group for i in fold}
        outside = {p.group for j, p in enumerate(pairs) if j not in set(fold.tolist())}
        assert not inside & outside


def test_the_feature_table_predicts_as_the_features_do():
    features = [
        Features(0.9, 0.9, False, False, "a"),
        Features(0.95, 0.9, False, True, "b"),
        Features(0.2, 0.3, False, False, "c"),
    ]
    t = Thresholds(weight=0.5, entail=0.6, contradict=0.9)
    assert FeatureTable(features).predict(t) == [f.label(t).label.value for f in features]
