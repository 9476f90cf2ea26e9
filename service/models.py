"""The service's typed hand-offs: request -> Query -> Passage -> DraftItem -> FollowupAnswer.

The request and response models are also the public API schema (OpenAPI), so their field
descriptions are the documentation clients read.
"""

from __future__ import annotations

import unicodedata
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, field_validator
from pydantic_core import PydanticCustomError

from ingest.models import ARTICLE_ID_PATTERN, Chunk, Reference, ReferenceType

MAX_QUESTION_CHARS = 2000
MAX_HISTORY_TURNS = 20

# What a question or turn may not contain. Control characters (NUL, escape, C1 codes) have no place in
# a question and only reach parsers, logs and terminals downstream: rejected, so the client learns of
# it (lone surrogates, JSON "\ud800", are already refused as invalid strings). Bidirectional
# embeddings, overrides and isolates make text display differently from what is processed ("Trojan
# Source"); no question needs them (right-to-left scripts render without them): rejected too.
# Zero-width characters and direction marks are invisible copy-paste debris that would split a word
# ("war\u200bfarin" would not match "warfarin"): silently stripped.
_ALLOWED_CONTROLS = frozenset("\t\n\r")
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u200e\u200f\u2060\ufeff"))
# The same rule as a JSON-schema pattern, so the OpenAPI schema tells clients (and the schema fuzz test
# holds the two to agreement); `clean_text` enforces it, with a message naming the character.
_FORBIDDEN_CLASS = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
TEXT_PATTERN = rf"^[^{_FORBIDDEN_CLASS}]*[^\s\u200b-\u200f\u2060\ufeff{_FORBIDDEN_CLASS}][^{_FORBIDDEN_CLASS}]*$"


def clean_text(value: str, what: str) -> str:
    """`value` without invisible characters and outer whitespace; refuses control and bidi characters."""
    for char in value:
        if (unicodedata.category(char) == "Cc" and char not in _ALLOWED_CONTROLS) or char in _BIDI_CONTROLS:
            raise PydanticCustomError(
                "forbidden_character",
                "the {what} contains the character U+{code}: control characters and bidirectional "
                "overrides are not accepted",
                {"what": what, "code": f"{ord(char):04X}"},
            )
    cleaned = value.translate(_INVISIBLE).strip()
    if not cleaned:
        raise PydanticCustomError("blank_text", "the {what} is empty or only whitespace", {"what": what})
    return cleaned


def _json_number(value: object) -> object:
    """Numbers must arrive as JSON numbers: "5" or true is a client bug to report, not a number to guess.
    (5.0 is still 5: JSON Schema counts it as an integer, and a fractional 5.5 is refused as one.)"""
    if isinstance(value, bool | str | bytes):
        raise PydanticCustomError("int_type", "Input should be a valid integer (a JSON number)")
    return value


_NotCoerced = BeforeValidator(_json_number)


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
    content: Annotated[str, StringConstraints(min_length=1, max_length=8000)] = Field(
        json_schema_extra={"pattern": TEXT_PATTERN}
    )

    @field_validator("content")
    @classmethod
    def _clean_content(cls, value: str) -> str:
        return clean_text(value, "turn")


class Filters(_Strict):
    specialty: str | None = Field(default=None, max_length=64, description="only articles of this specialty")
    reference_type: ReferenceType | None = Field(
        default=None, description="only passages citing at least one reference of this type"
    )
    min_year: Annotated[int, Field(ge=1900, le=2100), _NotCoerced] | None = Field(
        default=None, description="only evidence from this year on"
    )

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
        description="the follow-up question, 1-2,000 characters, not blank, without control characters",
        json_schema_extra={"pattern": TEXT_PATTERN},
    )
    article_id: Annotated[str, StringConstraints(pattern=ARTICLE_ID_PATTERN, max_length=128)] | None = Field(
        default=None, description="the article the user is reading"
    )
    history: list[Turn] = Field(default_factory=list, max_length=MAX_HISTORY_TURNS, description="prior turns")
    audience: Audience = Audience.CLINICIAN
    filters: Filters | None = None
    max_citations: Annotated[int, Field(ge=1, le=20), _NotCoerced] | None = Field(
        default=None, description="most passages to quote"
    )

    @field_validator("question")
    @classmethod
    def _clean_question(cls, value: str) -> str:
        return clean_text(value, "question")


class ErrorBody(BaseModel):
    """Every error the service answers: a stable code, a readable message, and the field at fault."""

    code: str = Field(description="stable machine-readable code, e.g. `invalid_request`, `too_large`")
    message: str
    field: str | None = Field(description="dotted path of the request field at fault, when there is one")


def _error(description: str) -> dict[str, object]:
    return {"model": ErrorBody, "description": description}


# Documented on every operation (FastAPI `responses`); a route's own entry for a status replaces these.
ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    400: _error("the body could not be read (not UTF-8, nested too deep)"),
    404: _error("no such resource"),
    413: _error("the body is larger than the configured limit"),
    415: _error("the body is not sent as application/json"),
    422: _error("a field is missing, unknown, of the wrong type or out of range"),
}


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
    # The relevance model's probability that the passage answers the question (None: not ranked by it).
    rank_score: float | None = None
    # A summary passage cites nothing itself; these are the references of the body passages that state
    # the same thing (service.summary_backing), so it can be quoted with attribution.
    attributed_citations: tuple[int, ...] = ()

    @property
    def reference_numbers(self) -> tuple[int, ...]:
        """The article's reference numbers this passage is quoted with."""
        return self.chunk.citations or self.attributed_citations

    @property
    def relevance(self) -> float:
        """How well the passage answers the question: its follow-up words count twice."""
        return self.similarity + (self.focus_similarity or 0.0)


class DraftItem(BaseModel):
    """What a composer yields (between headings): a text segment backed by the passage it quotes."""

    text: str
    passage: Passage


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
