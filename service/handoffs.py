"""The internal typed hand-offs of a follow-up: FollowupRequest -> Query -> Passage -> DraftItem -> FollowupAnswer.

The first and last are the public API schema (service.schema); these three never leave the process.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from ingest.models import Chunk
from service.schema import Filters


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
    # The relevance model's probability that the passage answers (service.retrieval.relevance); None when
    # the passage was ranked without it (a single-ranking baseline).
    merit: float | None = None

    @property
    def relevance(self) -> float:
        """How well the passage answers the question: its follow-up words count twice."""
        return self.similarity + (self.focus_similarity or 0.0)


class DraftItem(BaseModel):
    """What a composer yields (between headings): a text segment backed by the passage it quotes."""

    text: str
    passage: Passage
