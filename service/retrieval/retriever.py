"""Hybrid retrieval: dense and BM25 fused by reciprocal rank, steered by question matches.

1. Dense and BM25 each rank candidates, with the request's filters applied inside each index
   (Chroma `where`, a BM25 weight mask).
2. For an elliptical follow-up on an article ("and in pregnancy?"), a third ranking orders that
   article's passages by the follow-up's own words, so the part of the page it asks about comes first.
3. Reciprocal rank fusion combines the rankings.
4. The question index (article questions, related questions) votes for the articles it points to,
   and the article being read gets a small prior, so follow-ups stay on the page the user is on.
5. The sections whose heading asks the question (a MedQuAD QA pair's own question) bring their
   passages in as a fourth ranking.
6. Candidates are ordered by the fused score (or, with `learned_ranking`, by the learned relevance
   model of `service.retrieval.relevance`); maximal marginal relevance then picks the final passages,
   so near-duplicates do not crowd out the other aspects and other articles.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np

from ingest.embedding import Embedder, Vectors
from service.handoffs import Passage, Query
from service.retrieval.candidates import CandidateChunks, CandidateSet, QuestionMatch, SectionRows
from service.retrieval.features import CandidateEvidence
from service.retrieval.filters import chroma_where, passes
from service.retrieval.index import LoadedIndex, top_scores
from service.retrieval.query_vectors import QueryVectorizer, RecentQuestions
from service.retrieval.relevance import RelevanceModel, default_relevance_model
from service.retrieval.summaries import article_summaries
from service.schema import Filters


class Mode(StrEnum):
    HYBRID = "hybrid"
    DENSE = "dense"
    BM25 = "bm25"


@dataclass(frozen=True)
class RetrievalConfig:
    candidates: int = 50
    rrf_k: int = 60
    # Weight of one question-index vote, in RRF units, and the similarity a question match needs.
    question_weight: float = 1.0
    question_min_similarity: float = 0.55
    reading_weight: float = 0.5
    # Weight of the follow-up's own ranking of the article being read, relative to dense or BM25.
    focus_weight: float = 1.5
    question_matches: int = 8
    # Sections whose heading is closest to the question, and how many of each one's passages join in.
    heading_sections: int = 10
    heading_passages: int = 8
    # ...provided the heading is at least this close to the question. 0: consumer questions sit far from
    # MedQuAD's headings (a 0.55 floor lost most of the LiveQA gain).
    heading_min_similarity: float = 0.0
    heading_weight: float = 1.0
    # Relevance against redundancy in maximal marginal relevance (1.0: relevance alone). Chosen on golden,
    # the devset's tune half and 300 MedQuAD questions reworded (evals/relevance_queries.py), nDCG@10:
    # 0.75 gave 0.891 / 0.891 / 0.827, 0.9 gave 0.897 / 0.901 / 0.833, 0.95 gave 0.899 / 0.904 / 0.832.
    # A little diversity stays, so near-duplicates of one bullet do not fill the answer.
    mmr_lambda: float = 0.95
    top_k: int = 12
    # Order candidates by the learned relevance model instead of the fusion score. Off: measured on
    # golden and the devset's test half, the model led with evidence less often than the fusion order
    # (evals/README.md, "The learned relevance model").
    learned_ranking: bool = False


@dataclass
class Retrieval:
    passages: list[Passage]
    question_matches: list[QuestionMatch]
    query_vector: Vectors
    timings: dict[str, float] = field(default_factory=dict)
    # The cited summary passages of the articles found, beside the ranking (service.retrieval.summaries).
    summaries: list[Passage] = field(default_factory=list)

    @property
    def best_citable_similarity(self) -> float:
        """The evidence that can actually be quoted: claims of the body that cite a reference."""
        return max((p.similarity for p in self.passages if p.chunk.cited_claim), default=0.0)


class Retriever:
    def __init__(
        self,
        index: LoadedIndex,
        embedder: Embedder,
        config: RetrievalConfig | None = None,
        clock: Callable[[], float] | None = None,
        recent: RecentQuestions | None = None,
        relevance: RelevanceModel | None = None,
    ) -> None:
        self.index = index
        self.embedder = embedder
        self.config = config or RetrievalConfig()
        self.relevance = relevance or (default_relevance_model() if self.config.learned_ranking else None)
        self._section_rows = SectionRows(index.row_sections)
        known = {question.text: index.question_vectors[i] for i, question in enumerate(index.questions)}
        self.vectorizer = QueryVectorizer(embedder, known=known, recent=recent)
        self._clock = clock or time.perf_counter
        self._masks: dict[tuple[Any, ...], np.ndarray] = {}

    def embed_question(self, question: str) -> Vectors:
        """The question's own vector, for a decision before retrieval; pass it back as `question_vector`."""
        return self.embedder.embed_query(question)

    def retrieve(
        self,
        query: Query,
        *,
        mode: Mode = Mode.HYBRID,
        top_k: int | None = None,
        question_vector: Vectors | None = None,
    ) -> Retrieval:
        """`question_vector`: `query.question` already embedded (by `embed_question`), so it is not embedded again."""
        config = self.config
        timings: dict[str, float] = {}
        start = self._clock()
        focus_rows = self._focus_rows(query) if mode is Mode.HYBRID else []
        if mode is Mode.HYBRID:
            # Only the question itself goes through the model; its context was embedded before.
            context = query.context_used if query.elliptical else []
            query_vectors = self.vectorizer.vectors(query.question, context, own=question_vector)
            vector = query_vectors.search
            focus = query_vectors.focus if focus_rows else None
        else:
            given = question_vector if query.text == query.question else None
            vector, focus = (given if given is not None else self.embedder.embed_query(query.text)), None
        timings["embed_ms"] = (self._clock() - start) * 1000

        start = self._clock()
        if mode is Mode.HYBRID:
            candidates = self._gather(query, vector, focus, focus_rows)
            timings["search_ms"] = (self._clock() - start) * 1000
            start = self._clock()
            passages = self._rank(candidates, top_k or config.top_k)
            timings["rank_ms"] = (self._clock() - start) * 1000
            found = (p.chunk.article_id for p in passages)
            summaries = article_summaries(self.index, candidates, found, query.filters, config.rrf_k)
            return Retrieval(passages, candidates.matches, vector, timings, summaries)
        rankings: list[list[int]] = []
        if mode is Mode.DENSE:
            rankings.append(
                [row for row, _ in self.index.dense_search(vector, config.candidates, chroma_where(query.filters))]
            )
        else:
            bm25 = self._bm25_scores(query.text, query.filters)
            rankings.append([row for row, score in top_scores(bm25, config.candidates) if score > 0])
        timings["search_ms"] = (self._clock() - start) * 1000
        start = self._clock()
        scores = reciprocal_rank_fusion(rankings, config.rrf_k)
        passages = self._select(scores, vector, top_k or config.top_k)
        timings["rank_ms"] = (self._clock() - start) * 1000
        return Retrieval(passages=passages, question_matches=[], query_vector=vector, timings=timings)

    def candidates(self, query: Query, *, question_vector: Vectors | None = None) -> CandidateSet:
        """The hybrid candidate set of `query` with its features, before ranking (what the model is trained on)."""
        focus_rows = self._focus_rows(query)
        context = query.context_used if query.elliptical else []
        query_vectors = self.vectorizer.vectors(query.question, context, own=question_vector)
        return self._gather(query, query_vectors.search, query_vectors.focus if focus_rows else None, focus_rows)

    def _gather(self, query: Query, vector: Vectors, focus: Vectors | None, focus_rows: list[int]) -> CandidateSet:
        """Steps 1-5: the candidates of dense, BM25, focus and heading rankings, fused, with their features."""
        config = self.config
        index = self.index
        bm25 = self._bm25_scores(query.text, query.filters)
        rankings = [
            [row for row, _ in index.dense_search(vector, config.candidates, chroma_where(query.filters))],
            [row for row, score in top_scores(bm25, config.candidates) if score > 0],
        ]
        weights = [1.0, 1.0]
        if focus is not None:
            rows = np.asarray(focus_rows)
            ranked = top_scores(index.vectors[rows] @ focus, config.candidates)
            rankings.append([int(rows[i]) for i, _ in ranked])
            weights.append(config.focus_weight)
        # Every section scored once: for the heading ranking and for the candidates' heading feature.
        section_scores = index.section_vectors @ vector if index.section_vectors is not None else None
        heading_ranking = self._heading_ranking(section_scores, query.filters)
        if heading_ranking:
            rankings.append(heading_ranking)
            weights.append(config.heading_weight)
        scores = reciprocal_rank_fusion(rankings, config.rrf_k, weights)
        matches = self._question_matches(vector)
        votes = self._add_article_priors(scores, matches, query.article_id)
        rows = np.array(sorted(scores, key=lambda r: -scores[r]), dtype=np.int64)
        candidate_vectors = index.vectors[rows]
        sections = index.row_sections[rows] if len(index.row_sections) else None
        evidence = CandidateEvidence(
            question=query.question,
            chunks=CandidateChunks(index.chunks, rows),
            dense=(candidate_vectors @ vector).astype(np.float32),
            focus=(candidate_vectors @ focus).astype(np.float32) if focus is not None else None,
            heading=(
                section_scores[sections].astype(np.float32)
                if section_scores is not None and sections is not None
                else None
            ),
            bm25=bm25[rows] if len(bm25) else np.zeros(len(rows), dtype=np.float32),
            fused=np.array([scores[int(r)] for r in rows], dtype=np.float32),
            article_votes=votes,
            reading=query.article_id,
            first_in_section=self._section_rows.first_flags(rows),
        )
        return CandidateSet(
            rows=rows,
            vectors=candidate_vectors,
            evidence=evidence,
            matches=matches,
            vector=vector,
            focus=focus,
            bm25=bm25,
        )

    def _rank(self, candidates: CandidateSet, k: int) -> list[Passage]:
        """Step 6: score by the relevance model (or the fusion, without one), then diversify."""
        evidence = candidates.evidence
        if not len(candidates.rows):
            return []
        if self.relevance is not None:
            logits = self.relevance.logits(candidates.features)
            merits = 1.0 / (1.0 + np.exp(-logits))
            # Diversity is traded against the logit's place between the worst and best candidate: the
            # probability is too peaked (near 1 for the best, near 0 for the rest) to trade against anything.
            spread = float(logits.max() - logits.min())
            relevance = (logits - logits.min()) / spread if spread > 0 else np.ones_like(logits)
        else:
            merits = evidence.fused / evidence.fused.max()
            relevance = merits
        order = maximal_marginal_relevance(relevance, candidates.vectors, k, self.config.mmr_lambda)
        return [
            Passage(
                chunk=evidence.chunks[i],
                similarity=float(evidence.dense[i]),
                score=float(evidence.fused[i]),
                focus_similarity=None if evidence.focus is None else float(evidence.focus[i]),
                merit=float(merits[i]) if self.relevance is not None else None,
            )
            for i in order
        ]

    def _bm25_scores(self, text: str, filters: Filters) -> np.ndarray:
        """BM25 of every passage (0 where the filters exclude it, or when no query word is indexed)."""
        if not len(self.index.chunks):
            return np.zeros(0, dtype=np.float32)
        scores = self.index.bm25.scores(text)
        mask = self._mask(filters)
        return scores * mask if mask is not None else scores

    def _heading_ranking(self, section_scores: np.ndarray | None, filters: Filters) -> list[int]:
        """Rows of the sections whose headings ask what the question asks, best section first.

        Only headings that are questions take part ("What are the treatments for glaucoma ?", a MedQuAD
        QA pair's own): a topic label ("Monitoring") matches a question by topic alone, which the dense
        search already covers (measured: ranking label headings too lowered nDCG@10 on golden).
        """
        asked = self.index.asked_sections
        if section_scores is None or not len(asked):
            return []
        mask = self._mask(filters)
        ranking: list[int] = []
        found = 0
        similarities = section_scores[asked]  # not `section_vectors[asked] @ ...`: a 24 MB copy per request
        # A few more sections than needed are read, in case the filters exclude some of them entirely.
        for position, similarity in top_scores(similarities, self.config.heading_sections * 3):
            if similarity < self.config.heading_min_similarity:
                break
            members = [r for r in self._section_rows.members(int(asked[position])) if mask is None or mask[r]]
            if members:
                ranking.extend(members[: self.config.heading_passages])
                found += 1
                if found == self.config.heading_sections:
                    break
        return ranking

    def _focus_rows(self, query: Query) -> list[int]:
        """Rows of the article being read that pass the filters, when the question is an elliptical follow-up."""
        if not (query.elliptical and query.article_id):
            return []
        rows = self.index.article_rows.get(query.article_id, [])
        mask = self._mask(query.filters)
        return [row for row in rows if mask is None or mask[row]]

    def _question_matches(self, vector: Vectors) -> list[QuestionMatch]:
        if not len(self.index.questions):
            return []
        ranked = self.index.question_search(vector, self.config.question_matches)
        return [
            QuestionMatch(
                text=self.index.questions[i].text,
                article_id=self.index.questions[i].article_id,
                similarity=similarity,
            )
            for i, similarity in ranked
        ]

    def _add_article_priors(
        self, scores: dict[int, float], matches: list[QuestionMatch], reading: str | None
    ) -> dict[str, float]:
        """Only candidates already found get a prior: an article vote never drags in unretrieved passages.

        Returns each voted article's best question similarity (a feature of the relevance model)."""
        config = self.config
        votes: dict[str, float] = {}
        similarities: dict[str, float] = {}
        for rank, match in enumerate(m for m in matches if m.similarity >= config.question_min_similarity):
            votes[match.article_id] = max(votes.get(match.article_id, 0.0), 1.0 / (config.rrf_k + rank + 1))
            similarities[match.article_id] = max(similarities.get(match.article_id, 0.0), match.similarity)
        chunks = self.index.chunks
        for row in scores:
            article_id = chunks.article_id(row)  # one field: building 150 chunks took 0.75 ms
            scores[row] += config.question_weight * votes.get(article_id, 0.0)
            if reading and article_id == reading:
                scores[row] += config.reading_weight / (config.rrf_k + 1)
        return similarities

    def _select(self, scores: dict[int, float], vector: Vectors, k: int) -> list[Passage]:
        """A single-ranking baseline's top k, in its own order."""
        rows = sorted(scores, key=lambda r: -scores[r])[:k]
        similarities = [float(v) for v in self.index.vectors[rows] @ vector] if rows else []
        return [
            Passage(chunk=self.index.chunks[row], similarity=float(similarity), score=scores[row])
            for row, similarity in zip(rows, similarities, strict=True)
        ]

    def _mask(self, filters: Filters) -> np.ndarray | None:
        """A 0/1 weight per passage row for BM25, cached per filter combination."""
        if not filters.active:
            return None
        key = (filters.specialty, filters.reference_type, filters.min_year)
        mask = self._masks.get(key)
        if mask is None:
            chunks = self.index.chunks
            # Read from the passage store's columns: building 87,240 chunks took 0.6 s per new filter.
            mask = np.array(
                [1.0 if passes(*chunks.filter_fields(row), filters) else 0.0 for row in range(len(chunks))],
                dtype=np.float32,
            )
            if len(self._masks) < 256:
                self._masks[key] = mask
        return mask


def reciprocal_rank_fusion(rankings: list[list[int]], k: int, weights: list[float] | None = None) -> dict[int, float]:
    scores: dict[int, float] = {}
    for position, ranking in enumerate(rankings):
        weight = weights[position] if weights else 1.0
        for rank, row in enumerate(ranking):
            scores[row] = scores.get(row, 0.0) + weight / (k + rank + 1)
    return scores


def maximal_marginal_relevance(relevance: np.ndarray, vectors: Vectors, k: int, weight: float) -> list[int]:
    """Greedy MMR: each pick trades relevance against similarity to what was already picked."""
    count = len(relevance)
    k = min(k, count)
    if k <= 0:
        return []
    pairwise = vectors @ vectors.T
    redundancy = np.full(count, -np.inf)
    available = np.ones(count, dtype=bool)
    chosen: list[int] = []
    for _ in range(k):
        values = weight * relevance - (1 - weight) * np.where(np.isfinite(redundancy), redundancy, 0.0)
        values = np.where(available, values, -np.inf)
        best = int(np.argmax(values))
        chosen.append(best)
        available[best] = False
        redundancy = np.maximum(redundancy, pairwise[best])
    return chosen
