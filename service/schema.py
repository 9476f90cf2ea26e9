"""The public API schema: the request and the answer as clients send and read them (OpenAPI).

Their field descriptions are the documentation clients read. The error body is in service.http.errors,
the internal hand-offs between the steps (Query, Passage, DraftItem) in service.handoffs.
"""

from __future__ import annotations

import unicodedata
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, field_validator
from pydantic_core import PydanticCustomError

from ingest.models import ARTICLE_ID_PATTERN, Reference, ReferenceType

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


class BlockKind(StrEnum):
    EMERGENCY = "emergency"
    EMERGENCY_ADVICE = "emergency_advice"
    ABSTENTION = "abstention"
    NOTICE = "notice"
    HEADING = "heading"
    STATEMENT = "statement"


class AnswerBlock(BaseModel):
    kind: BlockKind = Field(
        description="`emergency`: the call for help that leads an answer to a possible emergency; "
        "`emergency_advice`: what to do while help comes, in the same paragraph; `abstention`: why no answer is "
        "given and what was searched; `notice`: other fixed wording (out of scope, a failed search or answer, "
        "what follows an emergency's guidance); `heading`: a heading over the statements after it, which form "
        "its list; `statement`: a passage quoted as the article states it"
    )
    text: str = Field(description="plain text, without Markdown escapes or [n] markers")
    reference_numbers: list[int] = Field(
        default_factory=list, description="the references a statement cites: its [n] markers in `answer`"
    )


class FollowupAnswer(BaseModel):
    status: AnswerStatus
    answer: str = Field(description="Markdown with [n] markers that refer to `references`")
    blocks: list[AnswerBlock] = Field(
        default_factory=list, description="the answer as data, in order: `answer` is rendered from these"
    )
    citations: list[Citation]
    references: list[ReferenceEntry] = Field(description="numbered in order of first use")
    related_questions: list[RelatedQuestionOut]
    disclaimer: str
    review_notice: str | None = None
    request_id: str
    timings: dict[str, float] = Field(default_factory=dict, description="milliseconds per stage")
