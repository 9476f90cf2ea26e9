"""The systems an evaluation puts cases to: the product in-process or over HTTP, and the baselines.

- `InProcessSystem` runs `AnswerService` over an opened index. With `Mode.HYBRID` it is the product;
  with `Mode.BM25` or `Mode.DENSE` it is a baseline: the same pipeline (safety checks, abstention,
  composition, citations) over plain BM25 or plain dense retrieval, so that a gain measured against
  it comes from retrieval alone. Its ranking for the retrieval metrics is the retriever's list
  (top 50) for the query the pipeline searched, as the answer's trace carries it (none when the
  question was not searched).
- `HttpSystem` posts to a running server's /v1/followups and times the request as a client sees it.
  The API exposes no ranking, so its retrieval metrics are computed over the cited passages, in order.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Protocol

import httpx

from evals.models import Case, RankedPassage, SystemOutput
from ingest.chunking import SUMMARY_SECTION
from ingest.embedding import Embedder, Vectors
from ingest.models import Article
from service.answering.pipeline import AnswerService
from service.handoffs import Query
from service.retrieval.index import LoadedIndex
from service.retrieval.retriever import Mode, Retrieval, RetrievalConfig, Retriever
from service.schema import FollowupAnswer, FollowupRequest
from service.triage.emergency_model import emergency_model_for
from service.triage.scope_model import scope_model_for

RANKING_DEPTH = 50


class System(Protocol):
    name: str

    def run(self, case: Case) -> SystemOutput: ...

    def sections(self, article_id: str) -> list[str]:
        """The section headings of an article (for graded judgments), empty when unknown."""
        ...

    def index_version(self) -> str: ...


def to_request(case: Case) -> FollowupRequest:
    return FollowupRequest(
        question=case.question[:2000],
        article_id=case.article_id,
        history=list(case.history),
        audience=case.audience,
    )


def article_sections(article: Article) -> list[str]:
    """Every section a passage of the article can carry, the summary included."""
    return [SUMMARY_SECTION, *(s.heading for s in article.sections)]


class FixedModeRetriever(Retriever):
    """A Retriever that always searches in one mode, whatever the caller asks: the baselines' retriever."""

    def __init__(self, index: LoadedIndex, embedder: Embedder, mode: Mode) -> None:
        super().__init__(index, embedder)
        self.mode = mode

    def retrieve(
        self,
        query: Query,
        *,
        mode: Mode = Mode.HYBRID,
        top_k: int | None = None,
        question_vector: Vectors | None = None,
    ) -> Retrieval:
        return super().retrieve(query, mode=self.mode, top_k=top_k, question_vector=question_vector)


class InProcessSystem:
    def __init__(
        self,
        name: str,
        index: LoadedIndex,
        embedder: Embedder,
        mode: Mode = Mode.HYBRID,
        clock: Callable[[], float] = time.perf_counter,
        config: RetrievalConfig | None = None,
    ) -> None:
        self.name = name
        self.index = index
        self.mode = mode
        self.retriever = (
            Retriever(index, embedder, config) if mode is Mode.HYBRID else FixedModeRetriever(index, embedder, mode)
        )
        self.service = AnswerService(
            index,
            self.retriever,
            emergency_model=emergency_model_for(embedder.model_name, embedder.dimension),
            scope_model=scope_model_for(embedder.model_name, embedder.dimension),
        )
        self._clock = clock

    def run(self, case: Case) -> SystemOutput:
        request = to_request(case)
        started = self._clock()
        answer, trace = self.service.answer_traced(request, request_id=case.id)
        latency = (self._clock() - started) * 1000
        ranking = self._ranking(trace.query) if case.judgments and trace.query is not None else []
        cited = [self._passage(c.passage_id) for c in answer.citations if c.passage_id in self.index.rows]
        return SystemOutput(answer=answer, ranking=ranking, cited=cited, latency_ms=latency)

    def _passage(self, passage_id: str) -> RankedPassage:
        chunk = self.index.chunks[self.index.rows[passage_id]]
        return RankedPassage(
            passage_id=chunk.id, article_id=chunk.article_id, section=chunk.section, source_ids=chunk.source_ids
        )

    def _ranking(self, query: Query) -> list[RankedPassage]:
        """The retriever's top passages for the query the pipeline searched (top 10 = what it ranked first)."""
        retrieval = self.retriever.retrieve(query, mode=self.mode, top_k=RANKING_DEPTH)
        return [self._passage(p.chunk.id) for p in retrieval.passages]

    def sections(self, article_id: str) -> list[str]:
        article = self.index.articles.get(article_id)
        return article_sections(article) if article else []

    def index_version(self) -> str:
        return self.index.version


class HttpSystem:
    """The product as deployed: a running server, reached with an httpx client."""

    def __init__(self, client: httpx.Client, name: str = "product", clock: Callable[[], float] = time.perf_counter):
        self.name = name
        self.client = client
        self._clock = clock
        self._articles: dict[str, dict[str, Any] | None] = {}

    def run(self, case: Case) -> SystemOutput:
        body = to_request(case).model_dump(mode="json", exclude_none=True)
        started = self._clock()
        response = self.client.post("/v1/followups", json=body, headers={"X-Eval-Case": case.id})
        latency = (self._clock() - started) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"HTTP {response.status_code}: {response.text[:300]}")
        answer = FollowupAnswer.model_validate(response.json())
        ranking = [
            RankedPassage(
                passage_id=c.passage_id,
                article_id=c.article_id,
                section=c.section,
                source_ids=self._source_ids(c.article_id, c.section, c.quote),
            )
            for c in answer.citations
        ]
        return SystemOutput(
            answer=answer, ranking=ranking, cited=ranking, latency_ms=latency, ranking_source="citations"
        )

    def _article(self, article_id: str) -> dict[str, Any] | None:
        if article_id not in self._articles:
            response = self.client.get(f"/v1/articles/{article_id}")
            self._articles[article_id] = response.json() if response.status_code == 200 else None
        return self._articles[article_id]

    def _source_ids(self, article_id: str, section: str, quote: str) -> tuple[str, ...]:
        """The QA-pair ids of the claim a quoted passage was cut from (the API returns articles, not chunks)."""
        article = self._article(article_id)
        if not article:
            return ()
        wanted = " ".join(quote.split())
        found = [
            claim["source_id"]
            for s in article.get("sections", [])
            if s.get("heading") == section
            for claim in s.get("claims", [])
            if claim.get("source_id") and wanted in " ".join(str(claim.get("text", "")).split())
        ]
        return tuple(dict.fromkeys(found))

    def sections(self, article_id: str) -> list[str]:
        article = self._article(article_id)
        if not article:
            return []
        return [SUMMARY_SECTION, *(str(s.get("heading")) for s in article.get("sections", []))]

    def index_version(self) -> str:
        response = self.client.get("/readyz")
        payload = response.json()
        if response.status_code != 200 or not payload.get("ready"):
            raise RuntimeError(f"server at {self.client.base_url} is not ready: {payload.get('reason')}")
        return str(payload["version"])
