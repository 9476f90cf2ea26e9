"""Train the relevance model (`service/ranker.json`) from data that is no test set, seeded and repeatable.

    python -m evals.train_ranker --corpus-data DIR [--medquad-data DIR] [--devset FILE] [--seed 13]

- `--corpus-data`: an index of the bundled corpus. Its queries are the golden set's answered questions
  (`evals/golden`) and, with `--devset`, the tune half of the development set (cases whose `split` is
  "tune"; the test half is never read). A candidate is positive when it comes from an evidence section.
- `--medquad-data`: an index of MedQuAD documents (a sample is enough: `vademecum ingest` a few hundred
  `.xml` files, leaving out the documents LiveQA judges, which is an evaluation set). Each QA pair's
  question, reworded as a user types it (content words only, in a seeded random order, so it never
  equals the indexed question), is a query; the pair's own passages are its positives.

Each query's candidates and features come from the real `Retriever.ranking_features`, so training sees
exactly what serving scores. Five folds by article estimate how the model does on articles it never
saw, beside the fused ranking and dense similarity alone; the figures are written into the model file.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from evals.datasets import GOLDEN_CORPUS, load_dataset, section_unit
from evals.models import Case
from evals.ranker_fit import Examples, cross_validate, fit_logistic, ranking_quality
from evals.systems import to_request
from ingest.models import SourceFormat
from service.models import AnswerStatus, Filters, Query
from service.query import resolve_query
from service.ranking import DEFAULT_MODEL_PATH, RelevanceModel
from service.ranking_features import FEATURES
from service.ranking_text import STOPWORDS, words
from service.retrieval import Retriever

__all__ = ["Collector", "main", "reword", "train"]

MODEL_VERSION = "r1"
CORPUS, MEDQUAD = 0, 1


def reword(question: str, rng: random.Random) -> str:
    """A MedQuAD question as a user might type it: its content words, shuffled ("glaucoma symptoms")."""
    kept = [w for w in words(question) if w not in STOPWORDS and "-" not in w]
    rng.shuffle(kept)
    return " ".join(kept) or question


def bootstrap_model() -> RelevanceModel:
    """A model that ranks by the fused score alone: what retrieval needs to run before a model is trained."""
    weights = tuple(1.0 if name == "fusion" else 0.0 for name in FEATURES)
    zeros = tuple(0.0 for _ in FEATURES)
    ones = tuple(1.0 for _ in FEATURES)
    return RelevanceModel(version="bootstrap", features=FEATURES, mean=zeros, scale=ones, weights=weights, bias=0.0)


@dataclass
class Collector:
    """Feature rows of every training query, appended source by source."""

    features: list[np.ndarray] = field(default_factory=list)
    labels: list[np.ndarray] = field(default_factory=list)
    queries: list[np.ndarray] = field(default_factory=list)
    groups: list[np.ndarray] = field(default_factory=list)
    sources: list[np.ndarray] = field(default_factory=list)
    group_names: dict[str, int] = field(default_factory=dict)
    count: int = 0
    seen: int = 0

    def add(self, features: np.ndarray, labels: np.ndarray, group: str, source: int) -> None:
        """One query; a query whose candidates hold no positive teaches nothing about ranking and is skipped."""
        self.seen += 1
        if self.seen % 100 == 0:
            print(f"train_ranker: {self.seen} queries, {self.count} with a positive candidate", file=sys.stderr)
        if not labels.any():
            return
        code = self.group_names.setdefault(group, len(self.group_names))
        rows = len(labels)
        self.features.append(features)
        self.labels.append(labels.astype(np.float64))
        self.queries.append(np.full(rows, self.count))
        self.groups.append(np.full(rows, code))
        self.sources.append(np.full(rows, source))
        self.count += 1

    def examples(self) -> Examples:
        return Examples(
            features=np.concatenate(self.features),
            labels=np.concatenate(self.labels),
            queries=np.concatenate(self.queries),
            groups=np.concatenate(self.groups),
            sources=np.concatenate(self.sources),
        )


def corpus_queries(retriever: Retriever, cases: list[Case]) -> Iterator[tuple[np.ndarray, np.ndarray, str]]:
    """Answered cases with evidence sections: (features, labels, evidence article)."""
    index = retriever.index
    for case in cases:
        if case.judgments is None or case.expected_status is not AnswerStatus.ANSWERED:
            continue
        request = to_request(case)
        article = index.articles.get(request.article_id) if request.article_id else None
        query = resolve_query(request, article.question if article else None)
        rows, features = retriever.ranking_features(query)
        grades = case.judgments.grades
        labels = np.array(
            [grades.get(section_unit(index.chunks[r].article_id, index.chunks[r].section), 0) >= 2 for r in rows]
        )
        yield features, labels, case.judgments.expected_articles[0]


def medquad_queries(retriever: Retriever, seed: int, limit: int | None) -> Iterator[tuple[np.ndarray, np.ndarray, str]]:
    """Each MedQuAD QA pair's reworded question: (features, labels: the pair's own passages, document)."""
    index = retriever.index
    rng = random.Random(seed)
    pairs = [
        (article.id, section.heading)
        for article in sorted(index.articles.values(), key=lambda a: a.id)
        if article.source_format is SourceFormat.MEDQUAD
        for section in article.sections
    ]
    if limit is not None and len(pairs) > limit:
        pairs = sorted(rng.sample(pairs, limit))
    for article_id, heading in pairs:
        text = reword(heading, rng)
        query = Query(question=text, text=text, filters=Filters())
        rows, features = retriever.ranking_features(query)
        chunks = index.chunks
        labels = np.array([chunks[r].article_id == article_id and chunks[r].section == heading for r in rows])
        yield features, labels, article_id


def tune_half(path: Path) -> list[Case]:
    """The development set's tune half; refuses a file without a tune/test split."""
    splits = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            splits[record["id"]] = record.get("split")
    if not any(split == "tune" for split in splits.values()):
        raise SystemExit(f"{path}: no case has split 'tune': the development set's split is needed")
    return [case for case in load_dataset(str(path)).cases if splits.get(case.id) == "tune"]


def train(examples: Examples, seed: int, l2: float, folds: int = 5) -> tuple[RelevanceModel, dict[str, object]]:
    """The model fitted on every example, and its cross-validated quality beside two plain orderings."""
    held_out = cross_validate(examples, folds=folds, seed=seed, l2=l2)
    report: dict[str, object] = {"seed": seed, "l2": l2, "folds": folds, "rows": len(examples.labels)}
    names = {CORPUS: "corpus", MEDQUAD: "medquad"}
    for source in np.unique(examples.sources).tolist():
        chosen = examples.sources == source
        part = examples.subset(chosen)
        report[names[source]] = {
            "model_cv": ranking_quality(held_out[chosen], part),
            "fusion": ranking_quality(part.features[:, FEATURES.index("fusion")], part),
            "dense": ranking_quality(part.features[:, FEATURES.index("dense")], part),
        }
    fitted = fit_logistic(examples, l2=l2)
    model = RelevanceModel(
        version=f"{MODEL_VERSION}-seed{seed}",
        features=FEATURES,
        mean=tuple(round(float(v), 6) for v in fitted.mean),
        scale=tuple(round(float(v), 6) for v in fitted.scale),
        weights=tuple(round(float(v), 6) for v in fitted.weights),
        bias=round(fitted.bias, 6),
        training=report,
    )
    return model, report


def _retriever(data_dir: Path) -> Retriever:
    from ingest.embedding import SentenceTransformerEmbedder
    from ingest.layout import DataDir
    from ingest.settings import get_settings
    from service.index import open_index

    settings = get_settings()
    embedder = SentenceTransformerEmbedder.from_settings(settings.embedding)
    index = open_index(DataDir(data_dir), embedder, settings.chroma)
    return Retriever(index, embedder, ranker=bootstrap_model())


def collect_source(source: int, args: argparse.Namespace, cache: Path | None) -> Examples:
    """One source's examples, from the cache folder when it holds them (a cache is per source and seed)."""
    name = ("corpus" if source == CORPUS else f"medquad-seed{args.seed}-{args.medquad_queries}") + ".npz"
    if cache is not None and (cache / name).exists():
        saved = np.load(cache / name)
        return Examples(*(saved[key] for key in ("features", "labels", "queries", "groups", "sources")))
    collector = Collector()
    # One thread: a query is one small batch, and idle OpenMP threads spinning only slow a shared machine.
    torch.set_num_threads(1)
    if source == CORPUS:
        retriever = _retriever(args.corpus_data)
        cases = load_dataset(str(args.golden)).cases + (tune_half(args.devset) if args.devset else [])
        for features, labels, group in corpus_queries(retriever, cases):
            collector.add(features, labels, group, CORPUS)
    else:
        retriever = _retriever(args.medquad_data)
        for features, labels, group in medquad_queries(retriever, args.seed, args.medquad_queries):
            collector.add(features, labels, group, MEDQUAD)
    examples = collector.examples()
    if cache is not None:
        cache.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(cache / name, **examples.__dict__)
    return examples


def merge(parts: list[Examples]) -> Examples:
    """Examples of several sources as one set, query and group numbers kept apart per source."""
    offsets_q = np.cumsum([0] + [int(p.queries.max()) + 1 for p in parts[:-1]])
    offsets_g = np.cumsum([0] + [int(p.groups.max()) + 1 for p in parts[:-1]])
    return Examples(
        features=np.concatenate([p.features for p in parts]),
        labels=np.concatenate([p.labels for p in parts]),
        queries=np.concatenate([p.queries + o for p, o in zip(parts, offsets_q, strict=True)]),
        groups=np.concatenate([p.groups + o for p, o in zip(parts, offsets_g, strict=True)]),
        sources=np.concatenate([p.sources for p in parts]),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.train_ranker", description=__doc__.split("\n")[0])
    parser.add_argument("--corpus-data", type=Path, required=True, help="data directory of a corpus index")
    parser.add_argument("--medquad-data", type=Path, help="data directory of a MedQuAD (sample) index")
    parser.add_argument("--medquad-queries", type=int, default=None, help="at most this many QA pairs")
    parser.add_argument("--golden", type=Path, default=GOLDEN_CORPUS)
    parser.add_argument("--devset", type=Path, help="development set JSONL with a tune/test split")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--l2", type=float, default=1.0)
    parser.add_argument("--features-cache", type=Path, help="a folder to save (or reuse) each source's features in")
    parser.add_argument("--out", type=Path, default=DEFAULT_MODEL_PATH)
    args = parser.parse_args(argv)

    parts = [collect_source(CORPUS, args, args.features_cache)]
    if args.medquad_data:
        parts.append(collect_source(MEDQUAD, args, args.features_cache))
    examples = merge(parts)
    model, report = train(examples, seed=args.seed, l2=args.l2)
    model.save(args.out)
    print(json.dumps({"model": model.version, "fingerprint": model.fingerprint(), **report}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
