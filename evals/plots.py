"""PNG plots of a run, drawn with matplotlib's Agg backend (no display needed)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evals.models import CaseResult, DatasetSummary

DISTRIBUTED = (
    "ndcg_10",
    "mrr",
    "must_have_coverage",
    "semantic_similarity",
    "rouge_l_f1",
    "citation_coverage",
    "citation_support",
    "contradicted_share",
)


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_distributions(results: Sequence[CaseResult], path: Path, title: str) -> Path | None:
    systems = list(dict.fromkeys(r.system for r in results))
    present = [name for name in DISTRIBUTED if any(getattr(r.metrics, name) is not None for r in results)]
    if not present:
        return None
    plt = _pyplot()
    columns = min(4, len(present))
    rows = (len(present) + columns - 1) // columns
    figure, axes = plt.subplots(rows, columns, figsize=(4 * columns, 3 * rows), squeeze=False)
    for ax, name in zip(axes.flat, present, strict=False):
        for system in systems:
            values = [v for r in results if r.system == system and (v := getattr(r.metrics, name)) is not None]
            if values:
                ax.hist(values, bins=10, range=(0, 1), histtype="step", linewidth=1.5, label=system)
        ax.set_title(name)
        ax.set_xlim(0, 1)
    for ax in list(axes.flat)[len(present) :]:
        ax.axis("off")
    axes.flat[0].legend(fontsize="small")
    figure.suptitle(f"{title}: per-case metric distributions")
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)
    return path


def plot_latency(results: Sequence[CaseResult], path: Path, title: str) -> Path | None:
    by_system: dict[str, list[float]] = {}
    for r in results:
        if r.metrics.latency_ms is not None:
            by_system.setdefault(r.system, []).append(r.metrics.latency_ms)
    if not by_system:
        return None
    plt = _pyplot()
    figure, ax = plt.subplots(figsize=(7, 4))
    for system, values in by_system.items():
        ax.hist(values, bins=30, histtype="step", linewidth=1.5, label=system)
    ax.set_xlabel("latency per question (ms)")
    ax.set_ylabel("cases")
    ax.set_title(f"{title}: latency")
    ax.legend(fontsize="small")
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)
    return path


def plot_specialties(dataset: DatasetSummary, path: Path) -> Path | None:
    summary = dataset.systems.get("product") or next(iter(dataset.systems.values()), None)
    if summary is None or not summary.by_specialty:
        return None
    names = ["status_correct", "must_have_coverage", "ndcg_10"]
    names = [n for n in names if any(v.get(n) is not None for v in summary.by_specialty.values())]
    specialties = list(summary.by_specialty)
    plt = _pyplot()
    figure, ax = plt.subplots(figsize=(max(6, 0.6 * len(specialties) * len(names)), 4.5))
    width = 0.8 / max(1, len(names))
    for i, name in enumerate(names):
        values = [summary.by_specialty[s].get(name) or 0.0 for s in specialties]
        ax.bar([x + i * width for x in range(len(specialties))], values, width=width, label=name)
    ax.set_xticks([x + width * (len(names) - 1) / 2 for x in range(len(specialties))])
    ax.set_xticklabels(specialties, rotation=45, ha="right", fontsize="small")
    ax.set_ylim(0, 1)
    ax.set_title(f"{dataset.name}: per specialty")
    ax.legend(fontsize="small")
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)
    return path
