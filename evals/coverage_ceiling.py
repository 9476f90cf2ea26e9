"""How much must-have coverage quoting can reach at best: `python -m evals.coverage_ceiling [DATASETS...]`.

An extractive answer states only what the passages it quotes state, so the judge's must-have coverage has a
ceiling that no choice of passages can pass. This check measures it per dataset, over the cases that expect an
answer and name must-have statements and evidence sections, for answers made of every quotable passage (one
that cites a reference, as the composer requires):
- of the evidence sections, in reading order: all of them, and the first `max_citations`;
- of the expected articles: all of them, and the best `max_citations` chosen with the statements in hand
  (greedily, each passage judged alone: an oracle no composer can match, since it reads the answer key).

Articles are read from the corpus and chunked as ingest chunks them; no index is needed. A target above
these figures cannot be met by choosing passages better, only by quoting more or by composing differently.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from evals.datasets import REPO, DatasetError, load_dataset
from evals.judge import Judge, Label, load_judge
from evals.models import Case
from ingest.chunking import chunk_article
from ingest.embedding import SentenceTransformerEmbedder, default_model_path
from ingest.loading import load_inputs
from ingest.models import Article
from service.answering.plan import DEFAULT_MAX_CITATIONS
from service.schema import AnswerStatus

__all__ = ["Ceiling", "ceiling", "main"]

ANSWERS = (
    "evidence sections, all passages",
    "evidence sections, first k passages",
    "expected articles, all passages",
    "expected articles, best k passages (oracle)",
)


@dataclass
class Ceiling:
    """Mean must-have coverage per kind of answer (ANSWERS), over `cases` cases."""

    cases: int = 0
    totals: dict[str, float] = field(default_factory=lambda: dict.fromkeys(ANSWERS, 0.0))

    def mean(self, answer: str) -> float:
        return self.totals[answer] / self.cases if self.cases else 0.0


def ceiling(
    cases: Sequence[Case], articles: Sequence[Article], judge: Judge, k: int = DEFAULT_MAX_CITATIONS
) -> Ceiling:
    quotable: dict[tuple[str, str], list[str]] = {}
    for article in articles:
        for chunk in chunk_article(article):
            if chunk.citations:
                quotable.setdefault((chunk.article_id, chunk.section), []).append(chunk.text)
    result = Ceiling()
    for case in cases:
        if case.expected_status is not AnswerStatus.ANSWERED or not case.must_have or not case.evidence:
            continue
        wanted = list(dict.fromkeys((e.article_id, e.section) for e in case.evidence))
        in_sections = [text for key in wanted for text in quotable.get(key, [])]
        expected = {article_id for article_id, _ in wanted}
        in_articles = [text for (article_id, _), texts in quotable.items() if article_id in expected for text in texts]
        if not in_articles:
            continue  # the case names an article this corpus does not hold
        result.cases += 1
        statements = list(case.must_have)
        found = (
            _coverage(judge, in_sections, statements),
            _coverage(judge, in_sections[:k], statements),
            _coverage(judge, in_articles, statements),
            _best_k(judge, in_articles, statements, k),
        )
        for answer, coverage in zip(ANSWERS, found, strict=True):
            result.totals[answer] += coverage
    return result


def _coverage(judge: Judge, passages: list[str], statements: list[str]) -> float:
    if not passages:
        return 0.0
    verdicts = judge.judge(" ".join(passages), statements)
    return sum(v.label is Label.ENTAILMENT for v in verdicts) / len(statements)


def _best_k(judge: Judge, passages: list[str], statements: list[str], k: int) -> float:
    """Greedy: the passage stating most of the statements not yet stated, k times."""
    verdicts = [judge.judge(passage, statements) for passage in passages]
    states = [{i for i, v in enumerate(found) if v.label is Label.ENTAILMENT} for found in verdicts]
    stated: set[int] = set()
    for _ in range(k):
        gain = max(states, key=lambda s: len(s - stated), default=set())
        stated |= gain
    return len(stated) / len(statements)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.coverage_ceiling", description=__doc__.split("\n\n")[0])
    parser.add_argument("datasets", nargs="*", default=["golden", "devset-tune"], help="golden-format datasets")
    parser.add_argument("--corpus", type=Path, default=REPO / "corpus", help="article files or folders")
    parser.add_argument("--k", type=int, default=DEFAULT_MAX_CITATIONS, help="passages an answer quotes at most")
    args = parser.parse_args(argv)
    articles = load_inputs([args.corpus]).articles
    if not articles:
        print(f"{args.corpus}: no articles found", file=sys.stderr)
        return 2
    judge = load_judge("embedding", SentenceTransformerEmbedder(default_model_path()))
    print(f"| dataset | cases | {' | '.join(a.replace(' k ', f' {args.k} ') for a in ANSWERS)} |")
    print(f"| --- | --- |{' --- |' * len(ANSWERS)}")
    for spec in args.datasets:
        try:
            cases = load_dataset(spec).cases
        except DatasetError as error:
            print(f"{spec}: {error}", file=sys.stderr)
            return 2
        found = ceiling(cases, articles, judge, args.k)
        print(f"| {spec} | {found.cases} | {' | '.join(f'{found.mean(a):.3f}' for a in ANSWERS)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
