"""Results -> Summary: means per metric, behaviour precision and recall, latency percentiles, per specialty."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from evals.datasets import Dataset
from evals.metrics import mean, percentile, precision_recall
from evals.models import (
    METRIC_NAMES,
    CaseResult,
    DatasetSummary,
    RunInfo,
    StatusScores,
    Summary,
    SystemSummary,
)
from service.models import AnswerStatus

BEHAVIOURS = (AnswerStatus.INSUFFICIENT_EVIDENCE, AnswerStatus.EMERGENCY, AnswerStatus.OUT_OF_SCOPE)
# What a "quality" score of one case averages (contradicted_share enters as 1 - share).
QUALITY_METRICS = (
    "status_correct",
    "must_have_coverage",
    "ndcg_10",
    "cited_article_hit",
    "citation_support",
    "references_consistent",
    "disclaimer_present",
)
SPECIALTY_METRICS = (
    "status_correct",
    "must_have_coverage",
    "lead_from_evidence",
    "semantic_similarity",
    "ndcg_10",
    "article_hit_10",
)


def summarize(info: RunInfo, datasets: Sequence[Dataset], results: Sequence[CaseResult]) -> Summary:
    summaries = []
    for dataset in datasets:
        mine = [r for r in results if r.dataset == dataset.name]
        cases = len({r.case_id for r in mine})
        systems = {name: summarize_system([r for r in mine if r.system == name]) for name in info.systems}
        summaries.append(
            DatasetSummary(
                name=dataset.name,
                kind=dataset.kind,
                cases=cases,
                systems={name: s for name, s in systems.items() if s.cases},
            )
        )
    return Summary(run=info, datasets=summaries)


def summarize_system(results: Sequence[CaseResult]) -> SystemSummary:
    scored = [r for r in results if r.error is None]
    values: dict[str, float | None] = {}
    counts: dict[str, int] = {}
    for name in METRIC_NAMES:
        present = [v for r in scored if (v := getattr(r.metrics, name)) is not None]
        values[name] = _round(mean(present))
        counts[name] = len(present)
    latencies = [r.metrics.latency_ms for r in scored if r.metrics.latency_ms is not None]
    values["latency_p50_ms"] = _round(percentile(latencies, 50))
    values["latency_p95_ms"] = _round(percentile(latencies, 95))
    behaviour = behaviour_scores(scored)
    for status, scores in behaviour.items():
        values[f"precision_{status}"] = _round(scores.precision)
        values[f"recall_{status}"] = _round(scores.recall)
    by_specialty: dict[str, dict[str, float | None]] = {}
    for specialty in sorted({r.specialty for r in scored if r.specialty}):
        members = [r for r in scored if r.specialty == specialty]
        by_specialty[specialty] = {
            name: _round(mean([v for r in members if (v := getattr(r.metrics, name)) is not None]))
            for name in SPECIALTY_METRICS
        }
        by_specialty[specialty]["cases"] = len(members)
    return SystemSummary(
        cases=len(results),
        errors=len(results) - len(scored),
        metrics=values,
        counts=counts,
        behaviour=behaviour,
        by_specialty=by_specialty,
        statuses=dict(Counter(r.status.value for r in scored if r.status is not None)),
    )


def behaviour_scores(results: Sequence[CaseResult]) -> dict[str, StatusScores]:
    judged = [r for r in results if r.expected_status is not None and r.status is not None]
    if not judged:
        return {}
    scores = {}
    for status in BEHAVIOURS:
        predicted = [r.status is status for r in judged]
        expected = [r.expected_status is status for r in judged]
        precision, recall = precision_recall(predicted, expected)
        scores[status.value] = StatusScores(
            precision=precision, recall=recall, predicted=sum(predicted), expected=sum(expected)
        )
    return scores


def quality(result: CaseResult) -> float:
    """One number per case for ranking the worst: the mean of its quality metrics (1.0 when none apply)."""
    if result.error is not None:
        return 0.0
    parts = [v for name in QUALITY_METRICS if (v := getattr(result.metrics, name)) is not None]
    if result.metrics.contradicted_share is not None:
        parts.append(1.0 - result.metrics.contradicted_share)
    return sum(parts) / len(parts) if parts else 1.0


def worst(results: Sequence[CaseResult], system: str = "product", n: int = 10) -> list[CaseResult]:
    """The n lowest-quality cases of one system that have something wrong (ties: by dataset and id)."""
    mine = [r for r in results if r.system == system and (r.problems or r.error)]
    return sorted(mine, key=lambda r: (quality(r), r.dataset, r.case_id))[:n]


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
