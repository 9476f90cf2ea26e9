"""The service's typed hand-offs: request -> Query -> Passage -> Draft -> FollowupAnswer.

The request and response models are also the public API schema (OpenAPI), so their field
descriptions are the documentation clients read.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from ingest.models import ARTICLE_ID_PATTERN, Chunk, Reference, ReferenceType

MAX_QUESTION_CHARS = 2000
MAX_HISTORY_TURNS = 20


class Audience(StrEnum):
    CLINICIAN = "clinician"
    PATIENT = "patient"


class AnswerStatus(StrEnum):
    ANSWERED = "answered"
    INSUFFICIENT_EVIDENCE = "insufficient_evidence"
    EMERGENCY = "emergency"
    OUT_OF_SCOPE = "out_of_scope"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Turn(_Strict):
    role: Literal["user", "assistant"]
    content: Annotated[str, StringConstraints(min_length=1, max_length=8000)]


class Filters(_Strict):
    specialty: str | None = Field(default=None, max_length=64, description="only articles of this specialty")
    reference_type: ReferenceType | None = Field(
        default=None, description="only passages citing at least one reference of this type"
    )
    min_year: int | None = Field(default=None, ge=1900, le=2100, description="only evidence from this year on")

    @field_validator("specialty")
    @classmethod
    def _fold_specialty(cls, value: str | None) -> str | None:
        """Specialties are lower-case slugs in the corpus: "Cardiology" means "cardiology"."""
        if value is None:
            return None
        return "-".join(value.strip().lower().split()) or None

    @property
    def active(self) -> bool:
        return any(v is not None for v in (self.specialty, self.reference_type, self.min_year))


class FollowupRequest(_Strict):
    question: Annotated[str, StringConstraints(min_length=1, max_length=MAX_QUESTION_CHARS)] = Field(
        description="the follow-up question, 1-2,000 characters"
    )
    article_id: Annotated[str, StringConstraints(pattern=ARTICLE_ID_PATTERN, max_length=128)] | None = Field(
        default=None, description="the article the user is reading"
    )
    history: list[Turn] = Field(default_factory=list, max_length=MAX_HISTORY_TURNS, description="prior turns")
    audience: Audience = Audience.CLINICIAN
    filters: Filters | None = None
    max_citations: int | None = Field(default=None, ge=1, le=20, description="most passages to quote")


class Query(BaseModel):
    """A question resolved with its context, ready for retrieval."""

    question: str
    # The question with the context it leans on (the article being read, the previous user turn).
    text: str
    article_id: str | None = None
    context_used: list[str] = Field(default_factory=list)
    filters: Filters = Field(default_factory=Filters)
    # True when the question leans on its context: retrieval then also ranks by the question alone.
    elliptical: bool = False


class Passage(BaseModel):
    """A retrieved chunk with the scores that ranked it."""

    chunk: Chunk
    similarity: float  # cosine similarity between the query and the passage
    score: float  # fused ranking score
    # For an elliptical follow-up: cosine similarity between the question alone and the passage.
    focus_similarity: float | None = None

    @property
    def relevance(self) -> float:
        """How well the passage answers the question: its follow-up words count twice."""
        return self.similarity + (self.focus_similarity or 0.0)


class Draft(BaseModel):
    """What a composer produces: text segments, each backed by the passages it quotes."""

    lead: list[DraftItem] = Field(default_factory=list)
    groups: list[DraftGroup] = Field(default_factory=list)


class DraftItem(BaseModel):
    text: str
    passage: Passage


class DraftGroup(BaseModel):
    heading: str
    items: list[DraftItem]


class ReferenceEntry(BaseModel):
    n: int
    type: ReferenceType
    title: str
    source: str
    year: int | None = None
    url: str | None = None
    doi: str | None = None

    @classmethod
    def numbered(cls, n: int, reference: Reference) -> ReferenceEntry:
        return cls(n=n, **reference.model_dump(exclude={"n"}))


class Citation(BaseModel):
    n: int = Field(description="position of this quoted passage in the answer, from 1")
    reference_numbers: list[int] = Field(description="the [n] markers this passage carries in the answer")
    article_id: str
    article_title: str
    section: str
    passage_id: str
    quote: str = Field(description="the passage exactly as the article states it")
    references: list[ReferenceEntry]


class RelatedQuestionOut(BaseModel):
    question: str
    article_id: str


class FollowupAnswer(BaseModel):
    status: AnswerStatus
    answer: str = Field(description="Markdown with [n] markers that refer to `references`")
    citations: list[Citation]
    references: list[ReferenceEntry] = Field(description="numbered in order of first use")
    related_questions: list[RelatedQuestionOut]
    disclaimer: str
    review_notice: str | None = None
    request_id: str
    timings: dict[str, float] = Field(default_factory=dict, description="milliseconds per stage")


Draft.model_rebuild()
