"""Quality gates: a thresholds file (TOML or JSON) that a run's summary must meet.

    system = "product"            # whose metrics are gated (default: product)
    [min]                         # every dataset of the run, where the metric was measured
    references_consistent = 1.0
    [max]
    latency_p95_ms = 2000
    [datasets.golden.min]         # one dataset only; a metric it names must have been measured
    status_correct = 0.8

Metric names are the keys of summary.json's `metrics` (case-metric means, latency_p50_ms,
latency_p95_ms, precision_<status>, recall_<status>).
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evals.models import Summary


@dataclass(frozen=True)
class Failure:
    dataset: str
    metric: str
    value: float | None
    bound: str

    def __str__(self) -> str:
        shown = "not measured" if self.value is None else f"{self.value:.4g}"
        return f"{self.dataset}: {self.metric} = {shown}, gate {self.bound}"


@dataclass(frozen=True)
class Rule:
    metric: str
    low: float | None
    high: float | None
    dataset: str | None  # None: every dataset where it was measured


def read_gate(path: Path) -> tuple[str, list[Rule]]:
    text = path.read_text(encoding="utf-8")
    raw: dict[str, Any] = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    unknown = set(raw) - {"system", "min", "max", "datasets"}
    if unknown:
        raise ValueError(f"{path}: unknown keys {sorted(unknown)}")
    rules = _rules(raw, None)
    for dataset, tables in raw.get("datasets", {}).items():
        rules += _rules(tables, dataset)
    return str(raw.get("system", "product")), rules


def _rules(tables: dict[str, Any], dataset: str | None) -> list[Rule]:
    rules = [Rule(m, float(v), None, dataset) for m, v in tables.get("min", {}).items()]
    return rules + [Rule(m, None, float(v), dataset) for m, v in tables.get("max", {}).items()]


def check_gate(summary: Summary, path: Path) -> list[Failure]:
    system, rules = read_gate(path)
    failures: list[Failure] = []
    for rule in rules:
        datasets = [d for d in summary.datasets if rule.dataset in (None, d.name)]
        if rule.dataset and not datasets:
            continue  # a gate for a dataset this run did not include
        for dataset in datasets:
            values = dataset.systems.get(system)
            value = values.metrics.get(rule.metric) if values else None
            if value is None:
                if rule.dataset:
                    failures.append(Failure(dataset.name, rule.metric, None, _bound(rule)))
                continue
            if (rule.low is not None and value < rule.low) or (rule.high is not None and value > rule.high):
                failures.append(Failure(dataset.name, rule.metric, value, _bound(rule)))
    return failures


def _bound(rule: Rule) -> str:
    return f">= {rule.low:g}" if rule.low is not None else f"<= {rule.high:g}"
