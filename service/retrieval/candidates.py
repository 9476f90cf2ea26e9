"""The candidates of one hybrid search before ranking: their rows, what was measured about them, their passages.

`CandidateSet.features` is what the learned relevance model reads (and `evals.train_relevance` trains on);
it is computed only when read, as are the candidates' passages, since the fusion order needs neither.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import overload

import numpy as np

from ingest.embedding import Vectors
from ingest.models import Chunk
from service.retrieval.features import CandidateEvidence, candidate_features

__all__ = ["CandidateChunks", "CandidateSet", "QuestionMatch", "SectionRows"]


@dataclass(frozen=True)
class QuestionMatch:
    text: str
    article_id: str
    similarity: float


@dataclass
class CandidateSet:
    """Every candidate of one hybrid search, with what was measured about it (rows align)."""

    rows: np.ndarray
    # The candidates' passage vectors, read once (a large index reads them from disk).
    vectors: Vectors
    evidence: CandidateEvidence
    matches: list[QuestionMatch]
    vector: Vectors
    focus: Vectors | None
    # BM25 of every passage of the index, not only the candidates (0 where the filters exclude one).
    bm25: np.ndarray

    @cached_property
    def features(self) -> np.ndarray:
        """The relevance model's input, computed when first read (the fusion order does without it)."""
        return candidate_features(self.evidence)


class CandidateChunks(Sequence[Chunk]):
    """The candidates' passages, each built from the passage store when first read: a request quotes a
    dozen of its ~150 candidates, and building a Chunk costs about 5 microseconds."""

    def __init__(self, chunks: Sequence[Chunk], rows: np.ndarray) -> None:
        self._chunks = chunks
        self._rows = rows
        self._built: dict[int, Chunk] = {}

    def __len__(self) -> int:
        return len(self._rows)

    @overload
    def __getitem__(self, position: int) -> Chunk: ...

    @overload
    def __getitem__(self, position: slice) -> list[Chunk]: ...

    def __getitem__(self, position: int | slice) -> Chunk | list[Chunk]:
        if isinstance(position, slice):
            return [self[i] for i in range(*position.indices(len(self)))]
        if position < 0:
            position += len(self)
        chunk = self._built.get(position)
        if chunk is None:
            chunk = self._built[position] = self._chunks[int(self._rows[position])]
        return chunk


class SectionRows:
    """Which passage rows each section holds, and which rows open their section (from `row_sections`)."""

    def __init__(self, row_sections: np.ndarray) -> None:
        self._row_sections = row_sections
        self._order = np.argsort(row_sections, kind="stable")
        self._starts = np.searchsorted(row_sections[self._order], np.arange(int(row_sections.max(initial=-1)) + 2))

    def members(self, section: int) -> list[int]:
        return [int(r) for r in self._order[self._starts[section] : self._starts[section + 1]]]

    def first_flags(self, rows: np.ndarray) -> np.ndarray:
        """1.0 for each row that is the first passage of its section, else 0.0."""
        if not len(self._row_sections):
            return np.zeros(len(rows), dtype=np.float32)
        sections = self._row_sections[rows]
        previous = self._row_sections[np.maximum(rows - 1, 0)]
        return np.where((rows == 0) | (sections != previous), 1.0, 0.0).astype(np.float32)
