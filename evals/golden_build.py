"""Assemble evals/golden/corpus.jsonl from evals/golden/parts/*.jsonl, and check it against corpus/.

    python -m evals.golden_build            validate, then write corpus.jsonl (nothing written on errors)
    python -m evals.golden_build --check    validate only; exit 1 on any problem

Checks: every line fits the schema (evals/golden/README.md), ids are unique across parts, every
article a case names exists in corpus/, and every evidence section is a `##` heading of its article.
The counts the golden set promises (MIN_COUNTS) are reported; `--strict` fails when one falls short.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from evals.datasets import Issue, read_golden_records
from evals.golden_schema import GoldenRecord
from ingest.formats.native import load_native
from ingest.models import Article, ArticleLoadError
from service.schema import AnswerStatus

REPO = Path(__file__).resolve().parents[1]
GOLDEN_DIR = REPO / "evals" / "golden"
PARTS_DIR = GOLDEN_DIR / "parts"
CORPUS_FILE = GOLDEN_DIR / "corpus.jsonl"
CORPUS_DIR = REPO / "corpus"
MIN_COUNTS = {
    "cases": 150,
    "followup": 50,
    "insufficient_evidence": 20,
    "emergency": 10,
    "injection_or_non_medical": 10,
}


def part_files(parts_dir: Path = PARTS_DIR) -> list[Path]:
    return sorted(parts_dir.glob("*.jsonl"))


def concatenate(parts: Sequence[Path]) -> str:
    """The parts' non-blank lines, in file-name order, one per line: what corpus.jsonl must hold."""
    lines = [line.rstrip() for part in parts for line in part.read_text(encoding="utf-8").splitlines() if line.strip()]
    return "".join(f"{line}\n" for line in lines)


def corpus_articles(corpus_dir: Path = CORPUS_DIR) -> tuple[dict[str, Article], list[str]]:
    articles: dict[str, Article] = {}
    problems: list[str] = []
    for path in sorted(corpus_dir.glob("*.md")):
        if path.name.lower() == "readme.md" or path.name.startswith("."):
            continue
        try:
            article = load_native(path)
        except ArticleLoadError as error:
            problems.append(f"{path}: not a valid article ({error})")
            continue
        articles[article.id] = article
    return articles, problems


@dataclass
class Validation:
    records: list[GoldenRecord] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        kinds = Counter(r.kind for r in self.records)
        statuses = Counter(r.expected_status for r in self.records)
        return {
            "cases": len(self.records),
            "followup": kinds["followup"],
            "insufficient_evidence": statuses[AnswerStatus.INSUFFICIENT_EVIDENCE],
            "emergency": statuses[AnswerStatus.EMERGENCY],
            "injection_or_non_medical": kinds["injection"] + kinds["non_medical"],
        }

    def shortfalls(self) -> list[str]:
        counts = self.counts()
        return [f"{name}: {counts[name]} < {least}" for name, least in MIN_COUNTS.items() if counts[name] < least]


def validate(parts: Sequence[Path], articles: dict[str, Article]) -> Validation:
    result = Validation()
    first_seen: dict[str, str] = {}
    for part in parts:
        records, issues = read_golden_records(part)
        result.issues.extend(issues)
        for line, record in records:
            where = f"{part.name}:{line}"
            if record.id in first_seen:
                result.issues.append(Issue(str(part), line, f"id {record.id!r} also at {first_seen[record.id]}"))
                continue
            first_seen[record.id] = where
            result.issues.extend(Issue(str(part), line, reason) for reason in corpus_problems(record, articles))
            result.records.append(record)
    return result


def corpus_problems(record: GoldenRecord, articles: dict[str, Article]) -> list[str]:
    problems = []
    if record.article_id and record.article_id not in articles:
        problems.append(f"article_id {record.article_id!r} is not in corpus/")
    for evidence in record.evidence:
        article = articles.get(evidence.article_id)
        if article is None:
            problems.append(f"evidence article {evidence.article_id!r} is not in corpus/")
            continue
        headings = [s.heading for s in article.sections]
        if evidence.section not in headings:
            problems.append(f"evidence section {evidence.section!r} is not a heading of {article.id} ({headings})")
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.golden_build", description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="validate only, write nothing")
    parser.add_argument("--strict", action="store_true", help="also fail when a promised count falls short")
    args = parser.parse_args(argv)

    parts = part_files()
    articles, article_problems = corpus_articles()
    validation = validate(parts, articles)
    for problem in article_problems:
        print(f"warning: {problem}", file=sys.stderr)
    for issue in validation.issues:
        print(f"error: {issue}", file=sys.stderr)
    counts = ", ".join(f"{k} {v}" for k, v in validation.counts().items())
    print(f"{len(parts)} parts, {len(articles)} corpus articles; {counts}")
    for shortfall in validation.shortfalls():
        print(f"{'error' if args.strict else 'warning'}: too few {shortfall}", file=sys.stderr)
    failed = bool(validation.issues) or (args.strict and bool(validation.shortfalls()))
    if failed:
        print("not written: fix the problems above" if not args.check else "invalid", file=sys.stderr)
        return 1
    if not args.check:
        CORPUS_FILE.write_text(concatenate(parts), encoding="utf-8")
        print(f"wrote {CORPUS_FILE.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
