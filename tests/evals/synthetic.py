"""Hand-made results and summaries for the report, compare and gate tests (no model, no index)."""

from __future__ import annotations

from pathlib import Path

from evals.datasets import Dataset
from evals.models import CaseMetrics, CaseResult, DatasetKind, RunInfo, Summary
from evals.summary import summarize
from service.schema import AnswerStatus

INFO = RunInfo(index_version="v1", target="in-process", systems=["product", "bm25"], judge="j", datasets=["golden"])
DATASET = Dataset("golden", DatasetKind.GOLDEN, Path("golden.jsonl"), [])


def result(case_id: str, system: str, quality: float, status_ok: bool = True, latency: float = 100.0) -> CaseResult:
    expected = AnswerStatus.ANSWERED
    return CaseResult(
        case_id=case_id,
        dataset="golden",
        system=system,
        question=f"question {case_id}?",
        specialty="cardiology" if case_id.endswith("1") else "oncology",
        expected_status=expected,
        status=expected if status_ok else AnswerStatus.INSUFFICIENT_EVIDENCE,
        answer="An answer. [1]",
        metrics=CaseMetrics(
            ndcg_10=quality,
            mrr=quality,
            must_have_coverage=quality,
            semantic_similarity=quality,
            citation_coverage=1.0,
            references_consistent=1.0,
            disclaimer_present=1.0,
            status_correct=float(status_ok),
            latency_ms=latency,
        ),
        problems=[] if quality == 1.0 and status_ok else ["must-have not covered (1/2): 'x'"],
    )


def results(quality: float = 0.8, latency: float = 100.0, perfect_status: bool = False) -> list[CaseResult]:
    made = []
    for i in range(1, 13):
        for system in ("product", "bm25"):
            value = quality if system == "product" else quality - 0.2
            made.append(result(f"g-x-{i:03d}", system, value, status_ok=perfect_status or i != 3, latency=latency + i))
    return made


def summary(quality: float = 0.8, latency: float = 100.0, perfect_status: bool = False) -> Summary:
    return summarize(INFO, [DATASET], results(quality, latency, perfect_status))
