"""Load the project's native article format: YAML front matter + Markdown body (see corpus/README.md).

Run `python -m ingest.formats.native FILE...` to check files by hand.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ingest.formats.common import read_text, validation_issues
from ingest.models import Article, ArticleLoadError, Claim, Section, SourceFormat, ValidationIssue

_CITATIONS = re.compile(r"\s*\[(\d+(?:\s*,\s*\d+)*)\]\s*$")
# Required here although the Article model has defaults for them: other formats (MedQuAD) lack them, but a
# native article without a date, a review status or references is incomplete (corpus/README.md).
_REQUIRED_KEYS = ("id", "question", "specialty", "last_updated", "review_status", "references")
_REQUIRED_REFERENCE_KEYS = ("n", "type", "title", "source", "year")
_FRONT_MATTER_KEYS = {
    "id",
    "question",
    "specialty",
    "tags",
    "last_updated",
    "review_status",
    "references",
    "related_questions",
}


def load_native(path: Path) -> Article:
    """Parse and validate one native article; raise ArticleLoadError listing every problem found."""
    text = read_text(path)
    front, body, body_line = _split_front_matter(path, text)
    unknown = sorted(set(front) - _FRONT_MATTER_KEYS)
    issues = [ValidationIssue(path=str(path), reason=f"unknown front matter key {k!r}", line=1) for k in unknown]
    issues += [
        ValidationIssue(path=str(path), reason=f"{key}: Field required", line=1)
        for key in _REQUIRED_KEYS
        if front.get(key) in (None, "", [])
    ]
    for position, reference in enumerate(front.get("references") or []):
        if isinstance(reference, dict):
            issues += [
                ValidationIssue(path=str(path), reason=f"references.{position}.{key}: Field required", line=1)
                for key in _REQUIRED_REFERENCE_KEYS
                if reference.get(key) in (None, "")
            ]
    parsed = _parse_body(path, body, body_line)
    issues.extend(parsed.issues)
    if issues:
        raise ArticleLoadError(issues)
    try:
        return Article.model_validate(
            {
                **front,
                "title": parsed.title,
                "summary": parsed.summary,
                "sections": parsed.sections,
                "source_format": SourceFormat.NATIVE,
                "source_path": str(path),
            }
        )
    except ValidationError as error:
        raise ArticleLoadError(validation_issues(path, error)) from None


def _split_front_matter(path: Path, text: str) -> tuple[dict[str, Any], str, int]:
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise ArticleLoadError(
            [ValidationIssue(path=str(path), reason="missing front matter ('---' on line 1)", line=1)]
        )
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        raise ArticleLoadError(
            [ValidationIssue(path=str(path), reason="front matter is not closed by a '---' line", line=1)]
        ) from None
    try:
        front = yaml.safe_load("\n".join(lines[1:end]))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        reason = f"front matter is not valid YAML: {getattr(error, 'problem', error)}"
        raise ArticleLoadError([ValidationIssue(path=str(path), reason=reason, line=line)]) from None
    if not isinstance(front, dict):
        raise ArticleLoadError([ValidationIssue(path=str(path), reason="front matter must be a mapping", line=2)])
    return front, "\n".join(lines[end + 1 :]), end + 2


@dataclass
class _Body:
    title: str | None = None
    summary: str | None = None
    sections: list[Section] = field(default_factory=list)
    issues: list[ValidationIssue] = field(default_factory=list)


@dataclass
class _OpenSection:
    heading: str
    line: int
    claims: list[Claim] = field(default_factory=list)
    group: str | None = None


def _parse_body(path: Path, body: str, first_line: int) -> _Body:
    """Walk the body line by line: title, summary paragraph(s), then sections of bullets."""
    result = _Body()
    summary: list[str] = []
    current: _OpenSection | None = None
    bullet: list[str] = []
    bullet_line = 0

    def issue(reason: str, line: int) -> None:
        result.issues.append(ValidationIssue(path=str(path), reason=reason, line=line))

    def close_bullet() -> None:
        nonlocal bullet
        if bullet and current is not None:
            current.claims.append(_claim(" ".join(bullet), current.group, bullet_line))
        bullet = []

    def close_section() -> None:
        close_bullet()
        if current is None:
            return
        if not current.claims:
            issue(f"section {current.heading!r} has no bullet points", current.line)
            return
        result.sections.append(Section(heading=current.heading, claims=tuple(current.claims)))

    for offset, raw in enumerate(body.splitlines()):
        number = first_line + offset
        line = raw.strip()
        if raw.startswith("# "):
            if result.title is not None:
                issue("a second '# ' title line", number)
            result.title = line[2:].strip()
        elif raw.startswith("## "):
            close_section()
            current = _OpenSection(heading=line[3:].strip(), line=number)
        elif current is None:
            if line and result.title is None:
                issue("text before the '# ' title line", number)
            elif line:
                summary.append(line)
        elif raw.startswith("### "):
            close_bullet()
            current.group = line[4:].strip().rstrip(":")
        elif raw.startswith("- "):
            close_bullet()
            bullet, bullet_line = [line[2:].strip()], number
        elif not line:
            close_bullet()
        elif bullet and raw.startswith("  "):
            bullet.append(line)
        elif line.endswith(":"):
            close_bullet()
            current.group = line.rstrip(":").strip()
        else:
            issue("text in a section must be a bullet ('- ...') or a lead-in line ending with ':'", number)
    close_section()

    if result.title is None:
        issue("missing '# ' title line", first_line)
    result.summary = " ".join(summary) or None
    if result.summary is None:
        issue("missing summary paragraph between the title and the first section", first_line)
    return result


def _claim(text: str, group: str | None, line: int) -> Claim:
    match = _CITATIONS.search(text)
    citations: tuple[int, ...] = ()
    if match:
        citations = tuple(int(n) for n in match.group(1).split(","))
        text = text[: match.start()].rstrip()
    return Claim(text=text, citations=citations, group=group, line=line)


def main(argv: list[str]) -> int:
    failed = 0
    for name in argv:
        try:
            article = load_native(Path(name))
        except ArticleLoadError as error:
            failed += 1
            for problem in error.issues:
                print(problem)
        else:
            claims = sum(len(s.claims) for s in article.sections)
            uncited = sum(1 for s in article.sections for c in s.claims if not c.citations)
            note = f", {uncited} bullets without citations" if uncited else ""
            print(
                f"{name}: OK ({len(article.sections)} sections, {claims} bullets, "
                f"{len(article.references)} references, {len(article.related_questions)} related{note})"
            )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
