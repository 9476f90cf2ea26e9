"""Load an article page saved as plain text (the shape of ../shared/samples/article-page-*.txt).

A page reads top to bottom in regions; the loader keeps the article and drops the site's chrome:

    question line
    header chrome        advisory board, review-status widget, "Last updated: ...", "Personalize" ...
    title
    summary paragraph(s)
    sections             a heading, optional lead-in lines ending with ':', bullets "• claim 1, 5"
    References           records of three lines: type / title / "source, year" (numbered by position)
    Related Questions    one question a line
    footer chrome        the disclaimer and the follow-up blurb

Nothing here knows a particular page's headings: a heading is a short line that is neither a bullet,
a lead-in nor a sentence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Protocol

from pydantic import ValidationError

from ingest.formats.common import read_text, validation_issues
from ingest.models import (
    ARTICLE_ID_PATTERN,
    Article,
    ArticleLoadError,
    Claim,
    Reference,
    ReferenceType,
    RelatedQuestion,
    ReviewStatus,
    Section,
    SourceFormat,
    ValidationIssue,
)

# Header lines of the page around the title that are site furniture, not article text.
_HEADER_CHROME = re.compile(
    r"^(?:medical advisory board|educational purpose only|article review status$|submitted$|under review$"
    r"|approved$|last updated:|view editorial policy|personalize$|help us tailor your experience"
    r"|which best describes you\?)",
    re.IGNORECASE,
)
_LAST_UPDATED = re.compile(r"last updated:\s*([a-z]+\.?\s+\d{1,2},\s*\d{4})", re.IGNORECASE)
# The first footer line ends the article: everything after it is the disclaimer and the follow-up blurb.
_FOOTER = re.compile(
    r"^(?:professional medical disclaimer$|disclaimer$|have a follow-up question\?"
    r"|this information is intended for healthcare professionals|our medical a\.i\.)",
    re.IGNORECASE,
)
_REFERENCES = "references"
_RELATED = "related questions"

_BULLET = re.compile(r"^\s*[•◦▪●\-*–]\s+")
# A trailing list of reference numbers: "... obstruction 1" or "... disease 3, 4". It must follow a space,
# so "2.5" or "20-40" never end in a citation; the numbers must also exist in the reference list.
_TRAILING_NUMBERS = re.compile(r"(?<=\s)(\d{1,3}(?:\s*,\s*\d{1,3})*)\s*$")
# Headings are short and are not sentences; a longer line or one ending in a full stop is prose.
MAX_HEADING_WORDS = 20
_SOURCE_YEAR = re.compile(r"^(?P<source>.+?),\s*(?P<year>(?:18|19|20)\d{2})$")

_REFERENCE_TYPES = {
    "guideline": ReferenceType.GUIDELINE,
    "guidelines": ReferenceType.GUIDELINE,
    "research": ReferenceType.RESEARCH,
    "study": ReferenceType.RESEARCH,
    "clinical trial": ReferenceType.RESEARCH,
    "review": ReferenceType.REVIEW,
    "systematic review": ReferenceType.REVIEW,
    "meta-analysis": ReferenceType.REVIEW,
    "patient education": ReferenceType.PATIENT_EDUCATION,
    "patient-education": ReferenceType.PATIENT_EDUCATION,
}

GENERAL_SPECIALTY = "general"
# Best-effort specialty from the words of the title and question: the specialty with the most hits wins,
# earlier rows win ties, and a page matching none is "general". Names follow corpus/ conventions.
_SPECIALTY_WORDS: tuple[tuple[str, str], ...] = (
    ("oncology", r"cancer|carcinoma|metasta|tumou?r|malignan|chemotherap|lymphoma|leuka?emia|oncolog|neoplas"),
    ("cardiology", r"heart|cardi|coronary|myocard|atrial|arrhythm|hypertensi"),
    ("neurology", r"stroke|seizure|epilep|dementia|neurolog|migraine|parkinson"),
    ("infectious-disease", r"infecti|sepsis|septic|antibiotic|pneumonia|bacteri|viral|enterobacter"),
    ("nephrology", r"kidney|renal|dialysis|ckd|hyperkal"),
    ("respiratory", r"asthma|copd|pulmonary|bronch|respiratory"),
    ("obstetrics", r"pregnan|gestation|postpartum|obstetric|pre-eclampsia"),
    ("paediatrics", r"infant|child|paediatric|pediatric|neonat"),
    ("emergency-medicine", r"emergency|burns?\b|trauma|anaphyla|resuscitat"),
    ("gastroenterology", r"bowel|liver|hepat|gastro|pancrea|colitis"),
    ("endocrinology", r"diabet|thyroid|insulin|ketoacidosis"),
    ("psychiatry", r"depress|suicid|psychiatr|anxiety|psychosis"),
    ("orthopaedics", r"fracture|orthop"),
)
_SPECIALTY_PATTERNS = tuple((name, re.compile(rf"\b(?:{words})", re.IGNORECASE)) for name, words in _SPECIALTY_WORDS)


@dataclass(frozen=True)
class _Line:
    number: int
    raw: str
    # Whether a blank line came before it: a wrapped bullet continues only on the very next line.
    follows_blank: bool = False

    @property
    def text(self) -> str:
        return self.raw.strip()


@dataclass
class _Page:
    """The page cut into its regions (blank lines removed)."""

    question: _Line
    body: list[_Line] = field(default_factory=list)
    references: list[_Line] = field(default_factory=list)
    related: list[_Line] = field(default_factory=list)


def load_page_text(path: Path) -> Article:
    """Parse one article page; raise ArticleLoadError listing every problem found."""
    issues: list[ValidationIssue] = []

    def issue(reason: str, line: int | None = None) -> None:
        issues.append(ValidationIssue(path=str(path), reason=reason, line=line))

    article_id = article_id_from_path(path)
    if article_id is None:
        issue(f"cannot make an article id from the file name {path.name!r} (needs a-z or 0-9)")
    page = _split_regions(read_text(path), issue)
    last_updated, content = _strip_header(page.body)
    references = _parse_references(page.references, issue)
    body = _parse_body(content, {r.n for r in references}, issue)
    if issues:
        raise ArticleLoadError(issues)
    title = body.title or ""
    try:
        return Article(
            id=article_id or "",
            question=page.question.text,
            title=title,
            summary=body.summary,
            sections=tuple(body.sections),
            references=tuple(references),
            related_questions=tuple(RelatedQuestion(question=line.text) for line in page.related),
            specialty=infer_specialty(f"{title} {page.question.text}"),
            last_updated=last_updated,
            # The page's review widget lists every status and the text cannot say which one is lit, so an
            # imported page is "submitted" until a clinician reviews it, like a new corpus draft.
            review_status=ReviewStatus.SUBMITTED,
            source_format=SourceFormat.PAGE_TEXT,
            source_path=str(path),
        )
    except ValidationError as error:
        raise ArticleLoadError(validation_issues(path, error)) from None


def article_id_from_path(path: Path) -> str | None:
    """The file name without its suffix, reduced to a slug: 'Article Page (2).txt' -> 'article-page-2'."""
    slug = re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-")[:128].strip("-")
    return slug if re.fullmatch(ARTICLE_ID_PATTERN, slug) else None


def infer_specialty(text: str) -> str:
    scores = [(len(pattern.findall(text)), -row, name) for row, (name, pattern) in enumerate(_SPECIALTY_PATTERNS)]
    hits, _, name = max(scores)
    return name if hits else GENERAL_SPECIALTY


def _split_regions(text: str, issue: _Report) -> _Page:
    lines: list[_Line] = []
    blank = False
    for number, raw in enumerate(text.splitlines(), start=1):
        if raw.strip():
            lines.append(_Line(number, raw, follows_blank=blank))
        blank = not raw.strip()
    # read_text() refuses blank files, so there is always a first line: the page's question.
    page = _Page(question=lines[0])
    region = page.body
    seen: set[str] = set()
    for line in lines[1:]:
        marker = line.text.rstrip(":").casefold()
        if _FOOTER.match(line.text):
            break
        if marker in (_REFERENCES, _RELATED):
            if marker in seen:
                issue(f"a second {line.text!r} block", line.number)
            seen.add(marker)
            region = page.references if marker == _REFERENCES else page.related
            continue
        region.append(line)
    return page


def _strip_header(body: list[_Line]) -> tuple[date | None, list[_Line]]:
    """Drop the chrome between the question and the title, keeping the 'Last updated' date."""
    last_updated = None
    start = 0
    while start < len(body) and _HEADER_CHROME.match(body[start].text):
        match = _LAST_UPDATED.search(body[start].text)
        if match:
            last_updated = _parse_date(match.group(1))
        start += 1
    return last_updated, body[start:]


def _parse_date(text: str) -> date | None:
    cleaned = " ".join(text.replace(",", " ").replace(".", "").split())
    for layout in ("%B %d %Y", "%b %d %Y"):
        try:
            return datetime.strptime(cleaned, layout).date()
        except ValueError:
            continue
    # A date the page prints oddly is not worth rejecting the article for: it is provenance only.
    return None


def _parse_references(lines: Sequence[_Line], issue: _Report) -> list[Reference]:
    """Records of type / title / 'source, year'; the page numbers them by their position."""
    references: list[Reference] = []
    for start in range(0, len(lines), 3):
        record = lines[start : start + 3]
        kind = _REFERENCE_TYPES.get(record[0].text.casefold())
        if kind is None:
            known = ", ".join(sorted({k.capitalize() for k in _REFERENCE_TYPES}))
            issue(
                f"reference {len(references) + 1}: unknown type {record[0].text!r} (expected one of {known})",
                record[0].number,
            )
            # Without a type line the records can no longer be told apart; one error is enough.
            break
        # A type line where the title or source should be means this record lacks a line.
        if len(record) < 3 or any(line.text.casefold() in _REFERENCE_TYPES for line in record[1:]):
            issue(f"reference {len(references) + 1} needs a type, a title and a 'source, year' line", record[0].number)
            break
        match = _SOURCE_YEAR.match(record[2].text)
        source, year = (match.group("source"), int(match.group("year"))) if match else (record[2].text, None)
        references.append(
            Reference(n=len(references) + 1, type=kind, title=record[1].text, source=source.strip(), year=year)
        )
    return references


@dataclass
class _Body:
    title: str | None = None
    summary: str = ""
    sections: list[Section] = field(default_factory=list)


@dataclass
class _OpenSection:
    heading: str
    line: int
    claims: list[Claim] = field(default_factory=list)
    group: str | None = None
    # The bullet being read: its lines so far and where it started (a bullet may wrap onto indented lines).
    bullet: list[str] = field(default_factory=list)
    bullet_line: int = 0


def _parse_body(lines: Sequence[_Line], known: set[int], issue: _Report) -> _Body:
    """Title, summary, then sections of bullets (with lead-ins) and the occasional prose paragraph."""
    result = _Body()
    if not lines:
        issue("no title, summary or sections after the page header")
        return result
    result.title = lines[0].text
    summary: list[str] = []
    current: _OpenSection | None = None

    def close_bullet() -> None:
        if current is not None and current.bullet:
            current.claims.append(_claim(" ".join(current.bullet), current.group, current.bullet_line, known))
            current.bullet = []

    def close_section() -> None:
        close_bullet()
        if current is None:
            return
        if current.claims:
            result.sections.append(Section(heading=current.heading, claims=tuple(current.claims)))
        else:
            issue(f"section {current.heading!r} has no bullet points or text", current.line)

    for line in lines[1:]:
        text = line.text
        if _BULLET.match(line.raw):
            close_bullet()
            if current is None:
                issue("bullet point before the first section heading", line.number)
            else:
                current.bullet, current.bullet_line = [_BULLET.sub("", line.raw).strip()], line.number
        elif current is not None and current.bullet and not line.follows_blank and line.raw[:1].isspace():
            # An indented line straight after a bullet continues it (the bullet wrapped when the page was saved).
            current.bullet.append(text)
        elif text.endswith(":"):
            close_bullet()
            if current is None:
                issue("lead-in line (ending with ':') before the first section heading", line.number)
            else:
                current.group = text.rstrip(":").strip()
        elif _is_heading(text, known):
            close_section()
            current = _OpenSection(heading=text, line=line.number)
        elif current is None:
            # Summary citations have nowhere to go in the model (the summary is plain text), so they are dropped.
            summary.append(_strip_citations(text, known)[0])
        else:
            # A prose paragraph inside a section is a claim of its own, outside any lead-in group.
            close_bullet()
            current.group = None
            current.claims.append(_claim(text, None, line.number, known))
    close_section()

    result.summary = " ".join(summary)
    if not summary:
        issue("missing summary paragraph between the title and the first section", lines[0].number)
    if current is None:
        issue("no sections: expected headings followed by bullet points", lines[0].number)
    return result


def _is_heading(text: str, known: set[int]) -> bool:
    if text.endswith((".", ";", ",")) or len(text.split()) > MAX_HEADING_WORDS:
        return False
    return not _strip_citations(text, known)[1]


def _strip_citations(text: str, known: set[int]) -> tuple[str, tuple[int, ...]]:
    """Split 'claim 1, 5' into ('claim', (1, 5)) when every trailing number is a known reference."""
    match = _TRAILING_NUMBERS.search(text)
    if match is None:
        return text, ()
    numbers = tuple(int(n) for n in match.group(1).split(","))
    head = text[: match.start()].rstrip()
    if not head or not all(n in known for n in numbers):
        return text, ()
    return head, numbers


def _claim(text: str, group: str | None, line: int, known: set[int]) -> Claim:
    text, citations = _strip_citations(text.strip(), known)
    return Claim(text=text, citations=citations, group=group, line=line)


class _Report(Protocol):
    """How the parsing helpers report a problem: a reason, and the line when one is to blame."""

    def __call__(self, reason: str, line: int | None = None) -> None: ...
