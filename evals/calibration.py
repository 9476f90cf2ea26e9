"""Calibrate the offline judge against physicians: K-QA's NLI_medical_annotator labels.

Each row is (answer, statement) with three physicians' labels and their majority. The judge's
features are computed once; the weight and thresholds are then chosen by grid search to maximise
Cohen's kappa with the majority label. Choosing them on the same rows that report agreement is
optimistic, so agreement is also reported by k-fold cross-validation, with folds split by question
(the same answer never sits on both sides of a split).
"""

from __future__ import annotations

import csv
import itertools
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from evals.datasets import shared_data_dir
from evals.judge import THRESHOLDS_FILE, EmbeddingJudge, Features, Label, Thresholds
from evals.metrics import accuracy, cohen_kappa

LABELS = [label.value for label in Label]
WEIGHTS = [round(w, 2) for w in np.arange(0.0, 1.0001, 0.1)]
ENTAIL = [round(t, 3) for t in np.arange(0.40, 0.951, 0.005)]
CONTRADICT = [round(t, 3) for t in np.arange(0.50, 0.951, 0.05)] + [2.0]  # 2.0: never call a contradiction


def default_csv() -> Path:
    return shared_data_dir() / "kqa-dev" / "NLI_medical_annotator.dev.csv"


@dataclass(frozen=True)
class LabelledPair:
    group: str  # the question: folds never split one
    premise: str
    hypothesis: str
    majority: str
    physicians: tuple[str, str, str]


def read_pairs(path: Path) -> list[LabelledPair]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    pairs = []
    for row in rows:
        labels = (row["label_0"].strip(), row["label_1"].strip(), row["label_2"].strip())
        pairs.append(
            LabelledPair(row["Question"], row["answer"], row["claim"].strip(), row["majority_label"].strip(), labels)
        )
    unknown = {p.majority for p in pairs} - set(LABELS)
    if unknown:
        raise ValueError(f"{path}: unknown labels {sorted(unknown)}")
    return pairs


def compute_features(judge: EmbeddingJudge, pairs: Sequence[LabelledPair]) -> list[Features]:
    by_premise: dict[str, list[int]] = {}
    for i, pair in enumerate(pairs):
        by_premise.setdefault(pair.premise, []).append(i)
    features: list[Features | None] = [None] * len(pairs)
    for premise, rows in by_premise.items():
        for row, feature in zip(rows, judge.features(premise, [pairs[r].hypothesis for r in rows]), strict=True):
            features[row] = feature
    return [f for f in features if f is not None]


class FeatureTable:
    """The features as arrays, so thousands of threshold settings are scored in milliseconds."""

    def __init__(self, features: Sequence[Features]) -> None:
        self.similarity = np.array([f.similarity for f in features])
        self.token_recall = np.array([f.token_recall for f in features])
        self.mismatch = np.array([f.negation_mismatch or f.number_mismatch for f in features])

    def codes(self, t: Thresholds, rows: np.ndarray) -> np.ndarray:
        """Predicted labels as indexes into LABELS (0 entailment, 1 neutral, 2 contradiction)."""
        support = t.weight * self.token_recall[rows] + (1 - t.weight) * self.similarity[rows]
        codes = np.where(support >= t.entail, 0, 1)
        return np.where((self.similarity[rows] >= t.contradict) & self.mismatch[rows], 2, codes)

    def predict(self, t: Thresholds, rows: np.ndarray | None = None) -> list[str]:
        idx = rows if rows is not None else np.arange(len(self.similarity))
        return [LABELS[int(c)] for c in self.codes(t, idx)]


def fast_kappa(truth: np.ndarray, predicted: np.ndarray) -> tuple[float, float]:
    """(kappa, accuracy) of label codes, as `metrics.cohen_kappa` computes it, without Python loops."""
    n = len(truth)
    observed = float(np.mean(truth == predicted))
    expected = float(np.dot(np.bincount(truth, minlength=3), np.bincount(predicted, minlength=3))) / (n * n)
    kappa = (observed - expected) / (1 - expected) if expected < 1 else float(observed == 1.0)
    return kappa, observed


def choose(table: FeatureTable, gold: Sequence[str], rows: np.ndarray) -> Thresholds:
    """The setting with the best kappa on `rows` (ties: better accuracy, then the earliest in the grid)."""
    truth = np.array([LABELS.index(gold[int(i)]) for i in rows])
    best: tuple[float, float] | None = None
    chosen = Thresholds()
    for weight, entail, contradict in itertools.product(WEIGHTS, ENTAIL, CONTRADICT):
        setting = Thresholds(weight=float(weight), entail=float(entail), contradict=float(contradict))
        kappa, correct = fast_kappa(truth, table.codes(setting, rows))
        score = (round(kappa, 9), round(correct, 9))
        if best is None or score > best:
            best, chosen = score, setting
    return chosen


def folds(pairs: Sequence[LabelledPair], k: int) -> list[np.ndarray]:
    groups = sorted({p.group for p in pairs})
    fold_of = {group: i % k for i, group in enumerate(groups)}
    return [np.array([i for i, p in enumerate(pairs) if fold_of[p.group] == f]) for f in range(k)]


def agreement(gold: Sequence[str], predicted: Sequence[str]) -> dict[str, Any]:
    matrix = Counter(zip(gold, predicted, strict=True))
    return {
        "accuracy": round(accuracy(gold, predicted), 4),
        "kappa": round(cohen_kappa(gold, predicted), 4),
        "confusion": {g: {p: matrix.get((g, p), 0) for p in LABELS} for g in LABELS},
    }


def calibrate(judge: EmbeddingJudge, pairs: Sequence[LabelledPair], k: int = 5) -> dict[str, Any]:
    gold = [p.majority for p in pairs]
    table = FeatureTable(compute_features(judge, pairs))
    everything = np.arange(len(pairs))
    chosen = choose(table, gold, everything)

    cv_predicted: list[str] = [""] * len(pairs)
    fold_scores = []
    for test in folds(pairs, k):
        train = np.setdiff1d(everything, test)
        setting = choose(table, gold, train)
        predicted = table.predict(setting, test)
        for row, label in zip(test, predicted, strict=True):
            cv_predicted[int(row)] = label
        truth = [gold[int(i)] for i in test]
        fold_scores.append({"items": len(test), "kappa": round(cohen_kappa(truth, predicted), 4), **asdict(setting)})

    physicians = [[p.physicians[i] for p in pairs] for i in range(3)]
    pairwise = [cohen_kappa(physicians[a], physicians[b]) for a, b in itertools.combinations(range(3), 2)]
    always_neutral = [Label.NEUTRAL.value] * len(pairs)
    return {
        "thresholds": asdict(chosen),
        "items": len(pairs),
        "labels": dict(Counter(gold)),
        "in_sample": agreement(gold, table.predict(chosen)),
        "cross_validated": {
            "folds": k,
            "split_by": "question",
            **agreement(gold, cv_predicted),
            "per_fold": fold_scores,
        },
        "reference_points": {
            "always_neutral": {"accuracy": round(accuracy(gold, always_neutral), 4), "kappa": 0.0},
            "physicians_pairwise_kappa_mean": round(float(np.mean(pairwise)), 4),
        },
        "note": (
            "in_sample: thresholds chosen and scored on the same 244 rows (optimistic). cross_validated: each "
            "fold scored with thresholds chosen on the other folds; report this one."
        ),
    }


def write_calibration(report: dict[str, Any], judge_name: str, source: Path, path: Path = THRESHOLDS_FILE) -> None:
    payload = {"judge": judge_name.split("(")[0], "calibrated_on": source.name, **report}
    path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")


def format_report(report: dict[str, Any]) -> str:
    t, ins, cv = report["thresholds"], report["in_sample"], report["cross_validated"]
    ref = report["reference_points"]
    lines = [
        f"judge calibration on {report['items']} physician-labelled pairs {report['labels']}",
        f"  chosen: weight={t['weight']} entail>={t['entail']} contradict>={t['contradict']}",
        f"  in-sample:           accuracy {ins['accuracy']:.3f}  kappa {ins['kappa']:.3f}",
        f"  {cv['folds']}-fold CV by question: accuracy {cv['accuracy']:.3f}  kappa {cv['kappa']:.3f}",
        f"  reference: always-Neutral accuracy {ref['always_neutral']['accuracy']:.3f} (kappa 0); "
        f"physicians' mean pairwise kappa {ref['physicians_pairwise_kappa_mean']:.3f}",
        "  confusion (rows: physicians' majority, columns: judge, cross-validated):",
    ]
    for gold, row in cv["confusion"].items():
        lines.append(f"    {gold:<13} " + "  ".join(f"{label[:4]} {count:>3}" for label, count in row.items()))
    return "\n".join(lines)
