"""The domain types of the index: what an article is, and the passages made from it.

These types are shared by every package (the service imports them; nothing here imports the
service). Each pipeline stage hands the next one a typed object: Article -> Chunk.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

ARTICLE_ID_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,126}[a-z0-9])?$"

ArticleId = Annotated[str, StringConstraints(pattern=ARTICLE_ID_PATTERN)]
NonEmptyText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class ReviewStatus(StrEnum):
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    APPROVED = "approved"


class ReferenceType(StrEnum):
    GUIDELINE = "guideline"
    RESEARCH = "research"
    REVIEW = "review"
    PATIENT_EDUCATION = "patient-education"


class SourceFormat(StrEnum):
    NATIVE = "native"
    PAGE_TEXT = "page-text"
    MEDQUAD = "medquad"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Reference(_Frozen):
    """One entry of an article's numbered reference list."""

    n: int = Field(ge=1)
    type: ReferenceType
    title: NonEmptyText
    source: NonEmptyText
    year: int | None = Field(default=None, ge=1800, le=2100)
    url: str | None = None
    doi: str | None = None

    def identity(self) -> tuple[str, str, int | None]:
        """Two references are the same work when title, source and year agree (case-insensitively)."""
        return (_fold(self.title), _fold(self.source), self.year)


class Claim(_Frozen):
    """A bullet point: one statement and the reference numbers that support it."""

    text: NonEmptyText
    citations: tuple[int, ...] = ()
    # The lead-in line a group of bullets sits under ("For oligometastatic disease:"), if any.
    group: str | None = None
    # Extra provenance kept on every chunk made from this claim (e.g. a MedQuAD QA-pair id).
    source_id: str | None = None
    line: int | None = None


class Section(_Frozen):
    heading: NonEmptyText
    claims: tuple[Claim, ...] = Field(min_length=1)


class RelatedQuestion(_Frozen):
    question: NonEmptyText
    # The corpus article that answers it, when there is one.
    article_id: ArticleId | None = None


class Article(_Frozen):
    """A validated guideline article. Build it with a loader from `ingest.formats`."""

    id: ArticleId
    question: NonEmptyText
    title: NonEmptyText
    summary: NonEmptyText
    sections: tuple[Section, ...] = Field(min_length=1)
    references: tuple[Reference, ...] = ()
    related_questions: tuple[RelatedQuestion, ...] = ()
    specialty: NonEmptyText
    tags: tuple[str, ...] = ()
    last_updated: date | None = None
    review_status: ReviewStatus = ReviewStatus.SUBMITTED
    source_format: SourceFormat
    source_path: str | None = None
    content_hash: str = ""

    @field_validator("tags")
    @classmethod
    def _clean_tags(cls, tags: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(t.strip() for t in tags if t.strip())

    @model_validator(mode="after")
    def _check_references(self) -> Article:
        numbers = [r.n for r in self.references]
        duplicates = sorted({n for n in numbers if numbers.count(n) > 1})
        if duplicates:
            raise ValueError(f"reference numbers are not unique: {duplicates}")
        known = set(numbers)
        for section in self.sections:
            for claim in section.claims:
                missing = [n for n in claim.citations if n not in known]
                if missing:
                    where = f" (line {claim.line})" if claim.line else ""
                    raise ValueError(
                        f"claim{where} in section {section.heading!r} cites {missing}, "
                        f"not in the reference list {sorted(known)}"
                    )
        return self

    @model_validator(mode="after")
    def _fill_hash(self) -> Article:
        if not self.content_hash:
            object.__setattr__(self, "content_hash", self.compute_hash())
        return self

    def compute_hash(self) -> str:
        """A hash of everything that reaches the index; provenance fields are left out."""
        payload = self.model_dump_json(exclude={"content_hash", "source_path"})
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    def reference(self, n: int) -> Reference:
        for ref in self.references:
            if ref.n == n:
                return ref
        raise KeyError(n)


# The section name of the passages cut from an article's summary.
SUMMARY_SECTION = "Summary"


class Chunk(_Frozen):
    """A claim-sized passage ready to embed: the retrieval unit of the index."""

    id: str
    article_id: ArticleId
    article_title: str
    section: str
    text: str
    # What the embedder sees: the passage with its article question and section as context.
    embed_text: str
    citations: tuple[int, ...] = ()
    source_ids: tuple[str, ...] = ()
    review_status: ReviewStatus
    year: int | None = None
    specialty: str
    reference_types: tuple[ReferenceType, ...] = ()
    position: int
    content_hash: str

    @property
    def cited_claim(self) -> bool:
        """A claim of the body citing a reference: what decisions weigh as evidence. A summary passage may also
        cite (the references of the claims backing it, `ingest.summary_backing`), but it restates those claims
        and is quoted beside them; it is not weighed on its own."""
        return bool(self.citations) and self.section != SUMMARY_SECTION


class ValidationIssue(_Frozen):
    """Why one input could not become an Article."""

    path: str
    reason: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.reason}"


class ArticleLoadError(Exception):
    """Raised by loaders; carries every issue found in one input."""

    def __init__(self, issues: list[ValidationIssue]) -> None:
        self.issues = issues
        super().__init__("; ".join(str(i) for i in issues))


_SPACE = re.compile(r"\s+")


def _fold(text: str) -> str:
    return _SPACE.sub(" ", text).strip().casefold()
