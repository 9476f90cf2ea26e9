"""Metric functions: ranking quality, text overlap, agreement, and percentiles. Pure and small."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence

_TOKEN = re.compile(r"[a-z0-9]+(?:[.,][0-9]+)?")


def dedupe(units: Sequence[str]) -> list[str]:
    """A ranking of retrieval units with repeats removed: a unit counts at its best rank only."""
    return list(dict.fromkeys(units))


def dcg(gains: Sequence[float]) -> float:
    """Discounted cumulative gain with exponential gain (2^g - 1), as in TREC and BEIR graded nDCG."""
    return float(sum((2.0**gain - 1.0) / math.log2(rank + 2) for rank, gain in enumerate(gains)))


def ndcg_at_k(ranking: Sequence[str], grades: Mapping[str, int], k: int) -> float:
    """nDCG@k over a deduplicated ranking; unjudged units have grade 0."""
    ideal = dcg(sorted((g for g in grades.values() if g > 0), reverse=True)[:k])
    if ideal == 0:
        return 0.0
    return dcg([grades.get(unit, 0) for unit in dedupe(ranking)[:k]]) / ideal


def recall_at_k(ranking: Sequence[str], grades: Mapping[str, int], k: int, relevant_from: int = 1) -> float:
    relevant = {unit for unit, grade in grades.items() if grade >= relevant_from}
    if not relevant:
        return 0.0
    return len(relevant.intersection(dedupe(ranking)[:k])) / len(relevant)


def reciprocal_rank(ranking: Sequence[str], grades: Mapping[str, int], relevant_from: int = 1) -> float:
    for rank, unit in enumerate(dedupe(ranking), start=1):
        if grades.get(unit, 0) >= relevant_from:
            return 1.0 / rank
    return 0.0


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    if not a or not b:
        return 0
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b, start=1):
            current.append(previous[j - 1] + 1 if x == y else max(previous[j], current[j - 1]))
        previous = current
    return previous[-1]


def rouge_l_f1(candidate: str, reference: str) -> float:
    """ROUGE-L F1 (beta = 1) on lower-cased word tokens: LCS-based precision and recall."""
    cand, ref = tokens(candidate), tokens(reference)
    lcs = lcs_length(cand, ref)
    if lcs == 0:
        return 0.0
    precision, recall = lcs / len(cand), lcs / len(ref)
    return 2 * precision * recall / (precision + recall)


def cohen_kappa(first: Sequence[str], second: Sequence[str]) -> float:
    """Cohen's kappa of two labelings of the same items: agreement beyond what chance gives."""
    if len(first) != len(second):
        raise ValueError("the two labelings differ in length")
    n = len(first)
    if n == 0:
        return 0.0
    observed = sum(a == b for a, b in zip(first, second, strict=True)) / n
    labels = set(first) | set(second)
    expected = sum((first.count(label) / n) * (second.count(label) / n) for label in labels)
    if expected == 1.0:
        return 1.0 if observed == 1.0 else 0.0
    return (observed - expected) / (1.0 - expected)


def accuracy(first: Sequence[str], second: Sequence[str]) -> float:
    return sum(a == b for a, b in zip(first, second, strict=True)) / len(first) if first else 0.0


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100) with linear interpolation between closest ranks."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100.0
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def precision_recall(predicted: Sequence[bool], expected: Sequence[bool]) -> tuple[float | None, float | None]:
    """Precision and recall of a yes/no decision; None where nothing was predicted or expected."""
    true_positive = sum(p and e for p, e in zip(predicted, expected, strict=True))
    predicted_count, expected_count = sum(predicted), sum(expected)
    precision = true_positive / predicted_count if predicted_count else None
    recall = true_positive / expected_count if expected_count else None
    return precision, recall
