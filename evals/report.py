"""Write a run's reports: summary.json, report.md (tables, baselines side by side, worst cases) and PNG plots."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from evals.judge import THRESHOLDS_FILE
from evals.models import CaseResult, DatasetSummary, Summary, SystemSummary
from evals.plots import plot_distributions, plot_latency, plot_specialties
from evals.summary import quality, worst

SUMMARY = "summary.json"
REPORT = "report.md"
LABELS = {
    "ndcg_10": "nDCG@10",
    "recall_10": "recall@10",
    "recall_50": "recall@50",
    "mrr": "MRR",
    "article_hit_10": "expected article in top 10",
    "cited_article_hit": "expected article cited",
    "lead_from_evidence": "lead from evidence (first quote)",
    "must_have_coverage": "must-have coverage (comprehensiveness)",
    "contradicted": "contradicted statements per answer",
    "contradicted_share": "contradicted share (hallucination)",
    "rouge_l_f1": "ROUGE-L F1 vs golden answer",
    "semantic_similarity": "semantic similarity vs golden answer",
    "citation_coverage": "sentences with a citation",
    "citation_support": "citations supporting their sentence",
    "references_consistent": "reference list consistent",
    "disclaimer_present": "disclaimer present",
    "status_correct": "status as expected",
    "latency_ms": "latency mean (ms)",
    "latency_p50_ms": "latency p50 (ms)",
    "latency_p95_ms": "latency p95 (ms)",
}


def write_reports(summary: Summary, results: Sequence[CaseResult], out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = [out / SUMMARY, out / REPORT]
    (out / SUMMARY).write_text(summary.model_dump_json(indent=2) + "\n", encoding="utf-8")
    plots: list[Path] = []
    for dataset in summary.datasets:
        mine = [r for r in results if r.dataset == dataset.name]
        plots += [
            p
            for p in (
                plot_distributions(mine, out / f"{dataset.name}-metrics.png", dataset.name),
                plot_latency(mine, out / f"{dataset.name}-latency.png", dataset.name),
                plot_specialties(dataset, out / f"{dataset.name}-specialties.png"),
            )
            if p is not None
        ]
    (out / REPORT).write_text(render_markdown(summary, results, plots, out), encoding="utf-8")
    return written + plots


def render_markdown(summary: Summary, results: Sequence[CaseResult], plots: Sequence[Path], out: Path) -> str:
    run = summary.run
    lines = [
        "# Evaluation report",
        "",
        f"- index version: `{run.index_version}`",
        f"- target: {run.target}",
        f"- systems: {', '.join(run.systems)} (a baseline: the same pipeline over plain BM25 or dense retrieval)",
        f"- judge: {run.judge}",
        *judge_agreement_lines(),
    ]
    if any(r.ranking_source == "citations" for r in results):
        lines.append("- over HTTP the API returns no ranking: retrieval metrics are computed over the cited passages")
    lines.append("")
    for dataset in summary.datasets:
        lines += dataset_section(dataset, [r for r in results if r.dataset == dataset.name], plots, out)
    return "\n".join(lines).rstrip() + "\n"


def judge_agreement_lines() -> list[str]:
    if not THRESHOLDS_FILE.is_file():
        return ["- judge agreement with physicians: not calibrated (run `vademecum eval calibrate-judge`)"]
    report = json.loads(THRESHOLDS_FILE.read_text(encoding="utf-8"))
    cv, ins = report["cross_validated"], report["in_sample"]
    return [
        f"- judge agreement with physicians' majority label ({report['items']} K-QA pairs): "
        f"{cv['folds']}-fold cross-validated accuracy {cv['accuracy']:.3f}, Cohen's kappa {cv['kappa']:.3f} "
        f"(in-sample, optimistic: {ins['accuracy']:.3f} / {ins['kappa']:.3f})"
    ]


def dataset_section(
    dataset: DatasetSummary, results: Sequence[CaseResult], plots: Sequence[Path], out: Path
) -> list[str]:
    systems = list(dataset.systems)
    baselines = [s for s in systems if s != "product"]
    lines = [f"## {dataset.name} ({dataset.kind.value}, {dataset.cases} cases)", ""]
    header = ["metric", *systems, *(f"product / {b}" for b in baselines if "product" in systems)]
    lines += [_row(header), _row(["---"] * len(header))]
    names = [n for n in LABELS if any(dataset.systems[s].metrics.get(n) is not None for s in systems)]
    for name in names:
        cells = [_fmt(dataset.systems[s].metrics.get(name)) for s in systems]
        ratios = [_ratio(dataset.systems, name, b) for b in baselines if "product" in systems]
        lines.append(_row([LABELS[name], *cells, *ratios]))
    errors = {s: dataset.systems[s].errors for s in systems if dataset.systems[s].errors}
    if errors:
        lines += ["", f"Failed cases (not scored): {errors}"]
    lines += ["", *behaviour_table(dataset), *confusion_table(dataset), *category_tables(dataset)]
    lines += specialty_table(dataset)
    lines += worst_cases(results)
    mine = [p for p in plots if p.name.startswith(f"{dataset.name}-")]
    if mine:
        lines += ["### Plots", ""] + [f"![{p.stem}]({p.relative_to(out)})" for p in mine] + [""]
    return lines


def behaviour_table(dataset: DatasetSummary) -> list[str]:
    rows = []
    for system, summary in dataset.systems.items():
        for status, scores in summary.behaviour.items():
            rows.append(
                _row(
                    [
                        system,
                        status,
                        _fmt(scores.precision),
                        _fmt(scores.recall),
                        str(scores.predicted),
                        str(scores.expected),
                    ]
                )
            )
    if not rows:
        return []
    header = ["system", "status", "precision", "recall", "predicted", "expected"]
    return ["### Behaviour", "", _row(header), _row(["---"] * len(header)), *rows, ""]


def confusion_table(dataset: DatasetSummary) -> list[str]:
    """Expected status (rows) x status given (columns), per system."""
    lines: list[str] = []
    for system, summary in dataset.systems.items():
        matrix = summary.confusion
        if not matrix:
            continue
        given = sorted({status for row in matrix.values() for status in row})
        header = ["expected \\ got", *given, "total"]
        lines += [f"### Status confusion ({system})", "", _row(header), _row(["---"] * len(header))]
        for expected, row in matrix.items():
            lines.append(_row([expected, *(str(row.get(g, 0)) for g in given), str(sum(row.values()))]))
        lines.append("")
    return lines


def category_tables(dataset: DatasetSummary) -> list[str]:
    """Per case category, and emergency recall per body system (development set), for the product."""
    product = dataset.systems.get("product") or next(iter(dataset.systems.values()), None)
    if product is None:
        return []
    lines: list[str] = []
    if product.by_category:
        header = ["category", "cases", "status as expected", "answered as emergency"]
        lines += ["### Per category (product)", "", _row(header), _row(["---"] * len(header))]
        for category, v in product.by_category.items():
            lines.append(
                _row(
                    [
                        category,
                        str(int(v.get("cases") or 0)),
                        _fmt(v.get("status_correct")),
                        _fmt(v.get("emergency_rate")),
                    ]
                )
            )
        lines.append("")
    if product.emergency_by_system:
        header = ["body system", "emergencies", "recall"]
        lines += ["### Emergency recall per body system (product)", "", _row(header), _row(["---"] * len(header))]
        for system, v in product.emergency_by_system.items():
            lines.append(_row([system, str(int(v.get("cases") or 0)), _fmt(v.get("recall"))]))
        lines.append("")
    return lines


def specialty_table(dataset: DatasetSummary) -> list[str]:
    product = dataset.systems.get("product") or next(iter(dataset.systems.values()), None)
    if product is None or not product.by_specialty:
        return []
    names = ["cases", "status_correct", "must_have_coverage", "semantic_similarity", "ndcg_10"]
    header = ["specialty", *(LABELS.get(n, n) for n in names)]
    rows = [
        _row([s, str(int(v.get("cases") or 0)), *(_fmt(v.get(n)) for n in names[1:])])
        for s, v in product.by_specialty.items()
    ]
    return ["### Per specialty (product)", "", _row(header), _row(["---"] * len(header)), *rows, ""]


def worst_cases(results: Sequence[CaseResult]) -> list[str]:
    system = "product" if any(r.system == "product" for r in results) else (results[0].system if results else "")
    chosen = worst(results, system)
    if not chosen:
        return []
    lines = [f"### Worst {len(chosen)} cases ({system})", ""]
    for r in chosen:
        status = r.status.value if r.status else "error"
        expected = f", expected {r.expected_status.value}" if r.expected_status else ""
        lines.append(f"- **{r.case_id}** (quality {quality(r):.2f}; {status}{expected}): {_clip(r.question, 140)}")
        lines += [f"  - {_clip(p, 220)}" for p in r.problems[:4]]
    return [*lines, ""]


def _ratio(systems: Mapping[str, SystemSummary], name: str, baseline: str) -> str:
    product = systems["product"].metrics.get(name)
    base = systems[baseline].metrics.get(name)
    if product is None or base is None or base == 0:
        return "–"
    return f"×{product / base:.2f}"


def _fmt(value: float | int | None) -> str:
    if value is None:
        return "–"
    if isinstance(value, int) or abs(value) >= 100:
        return f"{value:.0f}"
    return f"{value:.3f}"


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
