"""How well each summary sentence's backing claims state it: `python -m evals.summary_backing [PATHS...]`.

Ingest lets a summary passage cite the references of the body claims that back it (`ingest.summary_backing`),
a lexical rule. This check reads every summary sentence of the articles given (the bundled corpus by default)
and asks the offline judge (`evals.judge`, calibrated on physicians' labels) whether its backing claims entail
it. As a floor, the same number of cited claims drawn at random from the other articles is judged too (seeded).
It prints the counts, and with `--list` the sentences never quoted (unbacked) and the backed ones the judge
does not find entailed: what an editor of the corpus reads to make a summary quotable.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from evals.datasets import REPO
from evals.judge import Judge, Label, load_judge
from ingest.chunking import split_sentences
from ingest.embedding import SentenceTransformerEmbedder, default_model_path
from ingest.loading import load_inputs
from ingest.models import Article, Claim
from ingest.summary_backing import back_sentence

__all__ = ["BackingReport", "judge_backing", "main"]

SEED = 7


@dataclass
class BackingReport:
    sentences: int
    backed: int
    # Judge labels of each backed sentence, against its backing and against random claims of other articles.
    by_backing: Counter[Label]
    by_random_claims: Counter[Label]
    unbacked: list[tuple[str, str]]  # (article id, sentence): never quoted
    not_entailed: list[tuple[str, str]]  # (article id, sentence): backed, but the judge does not find it stated


def judge_backing(articles: Sequence[Article], judge: Judge, seed: int = SEED) -> BackingReport:
    rng = random.Random(seed)
    report = BackingReport(0, 0, Counter(), Counter(), [], [])
    for article in articles:
        claims = [claim for section in article.sections for claim in section.claims]
        others: list[Claim] = [
            claim
            for other in articles
            if other.id != article.id
            for section in other.sections
            for claim in section.claims
            if claim.citations
        ]
        for sentence in split_sentences(article.summary):
            report.sentences += 1
            backing = back_sentence(sentence, claims)
            if not backing.backed:
                report.unbacked.append((article.id, sentence))
                continue
            report.backed += 1
            verdict = judge.judge(" ".join(claim.text for claim in backing.claims), [sentence])[0]
            report.by_backing[verdict.label] += 1
            if verdict.label is not Label.ENTAILMENT:
                report.not_entailed.append((article.id, sentence))
            drawn = rng.sample(others, min(len(backing.claims), len(others)))
            report.by_random_claims[judge.judge(" ".join(c.text for c in drawn), [sentence])[0].label] += 1
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.summary_backing", description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", type=Path, default=[REPO / "corpus"], help="article files or folders")
    parser.add_argument("--list", action="store_true", help="print the unbacked sentences and those not entailed")
    args = parser.parse_args(argv)
    inputs = load_inputs(args.paths)
    if not inputs.articles:
        print("no articles found", file=sys.stderr)
        return 2
    judge = load_judge("embedding", SentenceTransformerEmbedder(default_model_path()))
    report = judge_backing(inputs.articles, judge)
    print(f"{len(inputs.articles)} articles, {report.sentences} summary sentences, {report.backed} backed")
    for name, labels in (("backing claims", report.by_backing), ("random claims", report.by_random_claims)):
        print(f"judged against their {name}: " + ", ".join(f"{label.value} {labels[label]}" for label in Label))
    if args.list:
        listings = (("unbacked, never quoted", report.unbacked), ("backed, not entailed", report.not_entailed))
        for heading, listed in listings:
            print(f"{heading}:")
            for article_id, sentence in listed:
                print(f"  {article_id}: {sentence}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
