"""Train the relevance model (service/retrieval/relevance_model.json): `python -m evals.train_relevance`.

Supervision that is no test set:
- MedQuAD: a sample of its question -> answer pairs (seeded). The pair's question, reworded as people
  ask it (`evals.relevance_queries`), is the query; the passages of its answer, and of any pair asked in
  the same words, are the positives. Pairs judged in the
  LiveQA qrels are left out, so LiveQA stays a set the model never saw.
- The bundled corpus: golden and the development set's tune half, the query the pipeline searched
  for each answerable case, with the passages of its evidence sections as positives.

Each query's candidates are what hybrid retrieval gathers before ranking (`Retriever.candidates`); each
query weighs the same within its source. The regularisation C and the corpus's share of the total weight
are chosen by grouped cross-validation (folds by article, so no article's passages are both trained and
tested on), scored by nDCG@10 of held-out queries; the fusion order without the model is reported beside it.

    python -m evals.train_relevance --medquad-data-dir /path/to/medquad-index --corpus-data-dir data
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from evals.datasets import DatasetError, load_dataset, read_devset, shared_data_dir
from evals.models import Case
from evals.relevance_queries import reworded_question
from evals.systems import to_request
from ingest.embedding import serving_embedder
from ingest.layout import DataDir
from ingest.settings import get_settings
from service.answering.pipeline import AnswerService
from service.handoffs import Query
from service.retrieval.features import FEATURES
from service.retrieval.index import LoadedIndex, open_index
from service.retrieval.query import resolve_query
from service.retrieval.relevance import MODEL_FILE, RelevanceModel
from service.retrieval.retriever import RetrievalConfig, Retriever
from service.schema import AnswerStatus, FollowupRequest

SEED = 20261206
C_GRID = (1.0, 10.0)
# The share of the total training weight the bundled corpus's queries carry (MedQuAD has the rest).
CORPUS_SHARES = (0.75, 0.9)
FOLDS = 5


@dataclass(frozen=True)
class Group:
    """One training query: its candidates' features and labels, its source, and the article it is grouped by."""

    source: str  # "medquad" or "corpus"
    article: str
    features: np.ndarray
    labels: np.ndarray
    fused: np.ndarray


@contextmanager
def opened(data_dir: Path) -> Iterator[tuple[LoadedIndex, Retriever]]:
    settings = get_settings()
    embedder = serving_embedder(DataDir(data_dir), settings.embedding, settings.service.encoder_threads)
    index = open_index(DataDir(data_dir), embedder, settings.chroma)
    if index.section_vectors is None:
        raise SystemExit(f"{data_dir}: the index has no section vectors; run `vademecum ingest` on it first")
    try:
        yield index, Retriever(index, embedder, RetrievalConfig(learned_ranking=False))
    finally:
        index.close()


def medquad_groups(index: LoadedIndex, retriever: Retriever, count: int, excluded: set[str]) -> list[Group]:
    """`count` MedQuAD QA pairs (seeded sample), each pair's question against the index."""
    rows_of: dict[str, list[int]] = {}
    heading_of: dict[str, tuple[str, str]] = {}
    for row, chunk in enumerate(index.chunks):
        for pair in chunk.source_ids:
            rows_of.setdefault(pair, []).append(row)
            heading_of[pair] = (chunk.article_id, chunk.section)
    same_words: dict[str, list[int]] = {}
    for pair, (_, heading) in heading_of.items():
        same_words.setdefault(" ".join(heading.casefold().split()), []).extend(rows_of[pair])
    pairs = sorted(p for p in rows_of if p not in excluded)
    rng = random.Random(SEED)
    groups: list[Group] = []
    for pair in rng.sample(pairs, min(count, len(pairs))):
        article, heading = heading_of[pair]
        topic = index.chunks[rows_of[pair][0]].article_title
        query = resolve_query(FollowupRequest(question=reworded_question(heading, topic, rng)), None)
        positives = set(same_words[" ".join(heading.casefold().split())])
        group = _group("medquad", article, retriever, query, positives)
        if group is not None:
            groups.append(group)
    return groups


def corpus_groups(index: LoadedIndex, retriever: Retriever, cases: list[Case]) -> list[Group]:
    """Answerable cases with evidence sections: the query the pipeline searched, evidence passages positive."""
    service = AnswerService(index, retriever)
    groups: list[Group] = []
    for case in cases:
        if case.expected_status is not AnswerStatus.ANSWERED or not case.evidence:
            continue
        _, trace = service.answer_traced(to_request(case), request_id=case.id)
        if trace.query is None:
            continue
        wanted = {(e.article_id, e.section) for e in case.evidence}
        positives = {r for r, c in enumerate(index.chunks) if (c.article_id, c.section) in wanted}
        group = _group("corpus", case.evidence[0].article_id, retriever, trace.query, positives)
        if group is not None:
            groups.append(group)
    return groups


def _group(source: str, article: str, retriever: Retriever, query: Query, positives: set[int]) -> Group | None:
    candidates = retriever.candidates(query)
    labels = np.array([int(r) in positives for r in candidates.rows], dtype=np.int8)
    if not labels.any() or labels.all():
        return None  # nothing to learn from a query whose candidates are all one kind
    return Group(source, article, candidates.features, labels, candidates.evidence.fused)


def ndcg_at_10(scores: np.ndarray, labels: np.ndarray) -> float:
    order = np.argsort(-scores, kind="stable")[:10]
    gains = labels[order] / np.log2(np.arange(2, len(order) + 2))
    ideal = np.sort(labels)[::-1][:10] / np.log2(np.arange(2, min(10, len(labels)) + 2))
    return float(gains.sum() / ideal.sum()) if ideal.sum() else 0.0


def fit(groups: list[Group], c: float, corpus_share: float = 0.5) -> RelevanceModel:
    from sklearn.linear_model import LogisticRegression

    features = np.vstack([g.features for g in groups]).astype(np.float64)
    labels = np.concatenate([g.labels for g in groups])
    totals = {source: sum(1 for g in groups if g.source == source) for source in {g.source for g in groups}}
    # Every query weighs the same within its source; the corpus's queries weigh `corpus_share` of the total.
    share = {"corpus": corpus_share, "medquad": 1.0 - corpus_share}
    weights = np.concatenate(
        [np.full(len(g.labels), share[g.source] / (len(g.labels) * totals[g.source])) for g in groups]
    )
    mean = features.mean(axis=0)
    scale = features.std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    model = LogisticRegression(C=c, max_iter=2000)
    model.fit((features - mean) / scale, labels, sample_weight=weights * len(labels))
    return RelevanceModel(FEATURES, mean, scale, model.coef_[0].astype(np.float64), float(model.intercept_[0]))


def cross_validate(groups: list[Group], c: float, corpus_share: float = 0.5) -> dict[str, float]:
    """Held-out nDCG@10 per source (folds by article), the model against the fusion order."""
    from sklearn.model_selection import GroupKFold

    found: dict[str, list[float]] = {}
    articles = [g.article for g in groups]
    for train, test in GroupKFold(n_splits=FOLDS).split(groups, groups=articles):
        model = fit([groups[i] for i in train], c, corpus_share)
        for i in test:
            group = groups[i]
            found.setdefault(f"{group.source}_model", []).append(ndcg_at_10(model.logits(group.features), group.labels))
            found.setdefault(f"{group.source}_fusion", []).append(ndcg_at_10(group.fused, group.labels))
    return {key: round(float(np.mean(values)), 4) for key, values in sorted(found.items())}


def liveqa_pairs() -> set[str]:
    """QA pairs judged in the LiveQA dev qrels: never used as training queries."""
    try:
        cases = load_dataset("liveqa").cases
    except DatasetError as error:  # the shared data is absent: nothing to keep out
        print(f"train_relevance: LiveQA not read ({error}); no pair excluded", file=sys.stderr)
        return set()
    return {unit for case in cases if case.judgments for unit in case.judgments.grades}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.train_relevance", description=__doc__.split("\n")[0])
    parser.add_argument("--medquad-data-dir", type=Path, required=True, help="an index holding MedQuAD")
    parser.add_argument("--corpus-data-dir", type=Path, required=True, help="an index of the bundled corpus")
    parser.add_argument("--medquad-questions", type=int, default=2000)
    parser.add_argument("--out", type=Path, default=MODEL_FILE)
    args = parser.parse_args(argv)
    if not (shared_data_dir() / "medquad").is_dir():
        print("train_relevance: ../shared/data/medquad is absent", file=sys.stderr)

    with opened(args.medquad_data_dir) as (index, retriever):
        groups = medquad_groups(index, retriever, args.medquad_questions, liveqa_pairs())
    cases = load_dataset("golden").cases + read_devset("tune")
    with opened(args.corpus_data_dir) as (index, retriever):
        groups += corpus_groups(index, retriever, cases)
    counts = {s: sum(1 for g in groups if g.source == s) for s in ("medquad", "corpus")}
    print(f"training queries: {counts}, candidates: {sum(len(g.labels) for g in groups)}")

    results = {(c, share): cross_validate(groups, c, share) for c in C_GRID for share in CORPUS_SHARES}
    for (c, share), figures in results.items():
        print(f"C={c} corpus share={share}: {figures}")
    best = max(results, key=lambda key: results[key]["medquad_model"] + results[key]["corpus_model"])
    model = fit(groups, *best)
    model = RelevanceModel(
        model.features,
        model.mean,
        model.scale,
        model.weights,
        model.bias,
        {
            "trained_by": "python -m evals.train_relevance",
            "seed": SEED,
            "queries": counts,
            "C": best[0],
            "corpus_share": best[1],
            "cross_validation_ndcg10": results[best],
            "excluded": "QA pairs judged in LiveQA dev; the development set's test half",
        },
    )
    model.save(args.out)
    weights = ", ".join(f"{n}={w:+.2f}" for n, w in zip(FEATURES, model.weights, strict=True))
    print(f"C={best[0]}, corpus share={best[1]}; weights: {weights}")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
