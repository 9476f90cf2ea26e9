"""`vademecum eval compare A B`: what changed from run A to run B, with regressions flagged.

A metric regresses when it moves the wrong way by more than its tolerance: 0.02 (absolute) for
scores between 0 and 1, and 20% (relative) for latencies. Cases whose status went from right to
wrong are listed too, when both runs kept their results.jsonl.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from evals.models import LOWER_IS_BETTER, Summary
from evals.report import SUMMARY
from evals.runner import RESULTS, read_results

SCORE_TOLERANCE = 0.02
LATENCY_TOLERANCE = 0.20


@dataclass(frozen=True)
class Change:
    dataset: str
    system: str
    metric: str
    before: float | None
    after: float | None
    regression: bool

    @property
    def delta(self) -> float | None:
        return None if self.before is None or self.after is None else self.after - self.before


def load_summary(path: Path) -> Summary:
    file = path / SUMMARY if path.is_dir() else path
    return Summary.model_validate_json(file.read_text(encoding="utf-8"))


def is_regression(metric: str, before: float | None, after: float | None) -> bool:
    if before is None:
        return False
    if after is None:
        return True
    if metric.startswith("latency"):
        return after > before * (1 + LATENCY_TOLERANCE) and after - before > 1.0
    if metric in LOWER_IS_BETTER:
        return after > before + SCORE_TOLERANCE
    return after < before - SCORE_TOLERANCE


def compare(first: Summary, second: Summary) -> list[Change]:
    changes: list[Change] = []
    after_sets = {d.name: d for d in second.datasets}
    for dataset in first.datasets:
        other = after_sets.get(dataset.name)
        if other is None:
            continue
        for system, summary in dataset.systems.items():
            if system not in other.systems:
                continue
            after = other.systems[system].metrics
            for metric, before in summary.metrics.items():
                value = after.get(metric)
                changes.append(
                    Change(dataset.name, system, metric, before, value, is_regression(metric, before, value))
                )
    return changes


def flipped_cases(first: Path, second: Path) -> list[str]:
    """Cases whose status was right in the first run and wrong in the second."""
    if not (first / RESULTS).is_file() or not (second / RESULTS).is_file():
        return []
    before = {r.key: r for r in read_results(first)}
    flipped = []
    for result in read_results(second):
        old = before.get(result.key)
        if old and old.metrics.status_correct == 1.0 and result.metrics.status_correct == 0.0:
            expected = result.expected_status.value if result.expected_status else "?"
            got = result.status.value if result.status else "error"
            flipped.append(f"{result.dataset}/{result.case_id} ({result.system}): expected {expected}, now {got}")
    return sorted(flipped)


def format_changes(changes: list[Change], flipped: list[str], show_all: bool = False) -> str:
    lines = [f"{'dataset':<20} {'system':<8} {'metric':<32} {'A':>10} {'B':>10} {'change':>10}"]
    for c in changes:
        if not show_all and not c.regression and (c.delta is None or abs(c.delta) < 1e-9):
            continue
        delta = "" if c.delta is None else f"{c.delta:+.4f}"
        flag = "  REGRESSION" if c.regression else ""
        lines.append(
            f"{c.dataset:<20} {c.system:<8} {c.metric:<32} {_fmt(c.before):>10} {_fmt(c.after):>10} {delta:>10}{flag}"
        )
    regressions = [c for c in changes if c.regression]
    if flipped:
        lines += [
            "",
            f"cases whose status went from right to wrong ({len(flipped)}):",
            *(f"  {f}" for f in flipped[:20]),
        ]
    lines += ["", f"{len(regressions)} regression(s)" if regressions else "no regressions"]
    return "\n".join(lines)


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.4g}"
