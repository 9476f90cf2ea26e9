"""What the relevance model sees of one (question, passage) pair: a fixed row of numbers.

Everything that depends only on the index is computed once, when a `RankingTables` is built for a
loaded index: each passage's content words, its section title's and article title's words (as term
ids in flat arrays, so a request gathers them for its candidates with a few numpy calls), which
question of the question index names its article and which names its own unit (a MedQuAD QA pair's
question), and whether it is a summary. A request then computes, for at most a few dozen candidates,
dot products and set overlaps: well under a millisecond.

The feature names are written into the model file; `service.ranking` refuses a model whose list
differs from `FEATURES`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from ingest.chunking import SUMMARY_SECTION
from ingest.embedding import Vectors
from service.index import LoadedIndex
from service.ranking_text import Abbreviations, content_words
from service.summary_backing import summary_citations

__all__ = ["FEATURES", "CandidateEvidence", "RankingTables", "Terms"]

FEATURES: tuple[str, ...] = (
    "dense",  # cosine of the passage (as embedded, with its article question and section) and the query
    "dense_gap",  # the same, minus the best among the candidates: how far from the top this passage is
    # The latest question's own words against the passage: an elliptical follow-up's focus ("and in
    # pregnancy?" without its context); for a self-contained question, the same as `dense`.
    "question_similarity",
    "article_question",  # cosine of the query and the question of the passage's article
    "unit_question",  # cosine of the query and the question naming the passage's own unit (MedQuAD pair)
    "unit_question_gap",  # the same, minus the best among the candidates
    "bm25",  # BM25 of the passage, divided by the best BM25 of the query
    "fusion",  # the reciprocal-rank fusion score, divided by the best one
    "section_match",  # share of the question's content words in the section title
    "title_match",  # share of the question's content words in the article's title and question
    "coverage",  # share of the question's content words (abbreviations expanded) in the passage
    "reading",  # 1 when the passage belongs to the article being read
    "summary",  # 1 when the passage is from the article's summary
)


class Terms:
    """Term ids of one text per row, in two flat arrays (CSR): `ids[starts[r]:starts[r + 1]]`."""

    def __init__(self, rows: Iterable[frozenset[str]], vocabulary: dict[str, int]) -> None:
        starts = [0]
        ids: list[int] = []
        for terms in rows:
            ids.extend(sorted(vocabulary.setdefault(term, len(vocabulary)) for term in terms))
            starts.append(len(ids))
        self.ids = np.asarray(ids, dtype=np.int32)
        self.starts = np.asarray(starts, dtype=np.int64)

    def share_found(self, rows: np.ndarray, wanted: np.ndarray, wanted_count: int) -> np.ndarray:
        """For each row, the share of the `wanted_count` query terms (ids `wanted`) its text holds."""
        if wanted_count == 0 or len(wanted) == 0 or len(rows) == 0:
            return np.zeros(len(rows), dtype=np.float32)
        begins, ends = self.starts[rows], self.starts[rows + 1]
        lengths = ends - begins
        gathered = np.concatenate([self.ids[b:e] for b, e in zip(begins, ends, strict=True)])
        hits = np.isin(gathered, wanted).astype(np.float32)
        found = np.zeros(len(rows), dtype=np.float32)
        nonempty = lengths > 0
        if nonempty.any():
            offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])[nonempty]
            found[nonempty] = np.add.reduceat(hits, offsets)
        return found / wanted_count


@dataclass(frozen=True)
class CandidateEvidence:
    """What retrieval gathered about its candidates, aligned with `rows`."""

    rows: np.ndarray
    fused: np.ndarray
    bm25: np.ndarray
    focus: np.ndarray | None


class RankingTables:
    """Per-passage inputs of the features, built once per loaded index."""

    def __init__(self, index: LoadedIndex) -> None:
        self.index = index
        self.vocabulary: dict[str, int] = {}
        chunks = index.chunks
        self.passage_terms = Terms((content_words(c.text) for c in chunks), self.vocabulary)
        section_words: dict[str, frozenset[str]] = {}
        self.section_terms = Terms(
            (section_words.setdefault(c.section, content_words(c.section)) for c in chunks), self.vocabulary
        )
        title_words = {a.id: content_words(f"{a.title} {a.question}") for a in index.articles.values()}
        self.title_terms = Terms((title_words.get(c.article_id, frozenset()) for c in chunks), self.vocabulary)
        self.abbreviations = Abbreviations.mine(index.articles.values())
        self.summary = np.array([c.section == SUMMARY_SECTION for c in chunks], dtype=np.float32)
        self.article_question_row, self.unit_question_row = self._question_rows()
        self.unit_rows: dict[tuple[str, str], list[int]] = {}
        for row in np.flatnonzero(self.unit_question_row >= 0):
            self.unit_rows.setdefault((chunks[row].article_id, chunks[row].section), []).append(int(row))
        self.summary_citations = summary_citations(index)
        self.article_codes = {article_id: code for code, article_id in enumerate(index.article_rows)}
        self.row_article = np.array([self.article_codes.get(c.article_id, -1) for c in chunks], dtype=np.int32)

    def _question_rows(self) -> tuple[np.ndarray, np.ndarray]:
        """For each passage: the row of its article's own question, and of the question naming its unit."""
        index = self.index
        own: dict[str, int] = {}
        units: dict[tuple[str, str], int] = {}
        for position, question in enumerate(index.questions):
            if question.section is not None:
                units.setdefault((question.article_id, question.section), position)
            else:
                article = index.articles.get(question.article_id)
                # The article's own question; another article may list it as related (and be its listed_in).
                if article is not None and question.text == article.question:
                    own.setdefault(question.article_id, position)
        article_rows = np.array([own.get(c.article_id, -1) for c in index.chunks], dtype=np.int64)
        unit_rows = np.array([units.get((c.article_id, c.section), -1) for c in index.chunks], dtype=np.int64)
        return article_rows, unit_rows

    def query_terms(self, question: str) -> tuple[np.ndarray, int]:
        """The ids of the question's content words, abbreviations expanded, and how many words it asks about."""
        asked = content_words(question)
        expanded = self.abbreviations.expand(asked)
        ids = np.array(sorted(self.vocabulary[t] for t in expanded if t in self.vocabulary), dtype=np.int32)
        return ids, len(asked)

    def features(self, evidence: CandidateEvidence, vector: Vectors, question: str, reading: str | None) -> np.ndarray:
        """One row of `FEATURES` per candidate."""
        rows = evidence.rows
        index = self.index
        count = len(rows)
        dense = index.vectors[rows] @ vector
        article_question = _question_similarity(index.question_vectors, self.article_question_row[rows], vector)
        unit_question = _question_similarity(index.question_vectors, self.unit_question_row[rows], vector)
        has_unit = self.unit_question_row[rows] >= 0
        unit_gap = np.where(has_unit, unit_question - (unit_question[has_unit].max() if has_unit.any() else 0.0), 0.0)
        best_bm25 = float(evidence.bm25.max()) if count and evidence.bm25.max() > 0 else 1.0
        best_fused = float(evidence.fused.max()) if count and evidence.fused.max() > 0 else 1.0
        wanted, asked = self.query_terms(question)
        # Coverage may exceed 1 when an abbreviation's long form is also found: cap it at all words covered.
        coverage = np.minimum(self.passage_terms.share_found(rows, wanted, asked), 1.0)
        reading_code = self.article_codes.get(reading, -2) if reading else -2
        columns = [
            dense,
            dense - (dense.max() if count else 0.0),
            evidence.focus if evidence.focus is not None else dense,
            article_question,
            unit_question,
            unit_gap,
            evidence.bm25 / best_bm25,
            evidence.fused / best_fused,
            np.minimum(self.section_terms.share_found(rows, wanted, asked), 1.0),
            np.minimum(self.title_terms.share_found(rows, wanted, asked), 1.0),
            coverage,
            (self.row_article[rows] == reading_code).astype(np.float32),
            self.summary[rows],
        ]
        return np.column_stack(columns).astype(np.float32) if count else np.zeros((0, len(FEATURES)), np.float32)


def _question_similarity(question_vectors: Vectors, question_rows: np.ndarray, vector: Vectors) -> np.ndarray:
    """Cosine of `vector` and each row's question; 0 where a passage has none."""
    similarity = np.zeros(len(question_rows), dtype=np.float32)
    known = question_rows >= 0
    if known.any():
        similarity[known] = question_vectors[question_rows[known]] @ vector
    return similarity
