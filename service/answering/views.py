"""What the answer pipeline reads from its collaborators, written as Protocols.

The real ones are `service.retrieval.index.LoadedIndex` (an `IndexView`), `service.retrieval.retriever.Retriever`
(a `PassageRetriever`) and `service.answering.evidence_check.EvidenceCheck` (an `EvidenceReader`). A test can
pass a small fake of any of them, and mypy checks the fake against the Protocol as it checks the real one.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Mapping, Sequence
from typing import Protocol

from ingest.embedding import Vectors
from ingest.models import Article, Chunk
from service.handoffs import Passage, Query
from service.retrieval.retriever import Retrieval
from service.triage.lexical_checks import TermChecker

__all__ = ["EvidenceReader", "IndexView", "PassageRetriever"]


class IndexView(Protocol):
    """The parts of an opened index version that a follow-up reads."""

    @property
    def version(self) -> str: ...

    @property
    def articles(self) -> Mapping[str, Article]: ...

    @property
    def chunks(self) -> Sequence[Chunk]: ...

    @property
    def rows(self) -> Mapping[str, int]:
        """Row of each passage id in `chunks`."""
        ...

    @property
    def words(self) -> Container[str]:
        """The corpus vocabulary the scope check counts as known."""
        ...

    @property
    def terms(self) -> TermChecker | None:
        """The unknown-term check; None disables it."""
        ...


class PassageRetriever(Protocol):
    def embed_question(self, question: str) -> Vectors:
        """The question's own vector, for a decision before retrieval; passed back as `question_vector`."""
        ...

    def retrieve(self, query: Query, *, question_vector: Vectors | None = None) -> Retrieval:
        """`question_vector`: `query.question` already embedded by `embed_question`, not to be embedded again."""
        ...


class EvidenceReader(Protocol):
    """Does the evidence found fit the question (age group, subtype, what is asked, rare words found word for word)?"""

    def fitting_group(self, question: str, passages: Sequence[Passage]) -> list[Passage] | None: ...

    def fitting_subtype(self, question: str, passages: Sequence[Passage]) -> list[Passage] | None: ...

    def topic_left_behind(self, question: str, left: str, kept: Iterable[str]) -> list[str]: ...

    def unaddressed(self, question: str, evidence: Sequence[Passage], reading: str | None) -> list[str]: ...

    def supported(self, question: str, passages: Sequence[Passage]) -> bool: ...

    def spelt_out(self, question: str, passages: Sequence[Passage]) -> str:
        """The question with its acronyms spelt out in the words of the passages' articles."""
        ...
