"""The follow-up pipeline: the plan (service.answering.plan) -> composition -> finalize.

`answer()` and `stream()` run the same `_Run`, so the streamed answer is the same as the JSON one.
Whatever happens in retrieval or composition, the references of what was quoted and the disclaimer
are attached by code at the end, and the stream still sends them before its last event.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ingest.models import Chunk
from service.answering import wording
from service.answering.citations import CitationBook, finalize, statement
from service.answering.composition import Composer, ExtractiveComposer
from service.answering.evidence_check import EvidenceCheck
from service.answering.markdown import markdown_fragments
from service.answering.plan import DEFAULT_MAX_CITATIONS, AnswerPlan, AnswerPolicy, Planner
from service.answering.views import EvidenceReader, IndexView, PassageRetriever
from service.handoffs import Query
from service.logs import failure_fields
from service.retrieval.index import LoadedIndex
from service.schema import AnswerBlock, AnswerStatus, BlockKind, FollowupAnswer, FollowupRequest, RelatedQuestionOut
from service.triage.emergency_model import EmergencyModel
from service.triage.scope_model import ScopeModel

# AnswerPolicy is re-exported: it configures AnswerService.
__all__ = ["AnswerPolicy", "AnswerService", "AnswerTrace", "StreamEvent"]

log = logging.getLogger("vademecum.service")


@dataclass
class AnswerTrace:
    """What is known about an answer beside it. The access log records its ids, scores and decisions, never
    text; `query` (what was searched, None when nothing was) is for in-process callers such as evals."""

    query: Query | None = None
    retrieved: list[str] = field(default_factory=list)
    best_similarity: float | None = None
    context_turns: int = 0
    emergency: str | None = None
    injection: bool = False
    scope: str | None = None
    unknown_terms: list[str] = field(default_factory=list)
    unaddressed: list[str] = field(default_factory=list)
    error: str | None = None

    @classmethod
    def of(cls, plan: AnswerPlan) -> AnswerTrace:
        retrieval, triage, outcome = plan.retrieval, plan.triage, plan.outcome
        return cls(
            query=plan.query,
            retrieved=[p.chunk.id for p in retrieval.passages] if retrieval else [],
            best_similarity=round(retrieval.best_citable_similarity, 4) if retrieval else None,
            # The turns the searched question was read with: none when it was not searched.
            context_turns=triage.context_turns if plan.query is not None else 0,
            emergency=triage.emergency.flag if triage.emergency else None,
            injection=plan.screening.injection,
            scope=triage.scope.value,
            unknown_terms=list(outcome.unknown_terms),
            unaddressed=list(outcome.unaddressed),
            error=plan.error,
        )


@dataclass
class StreamEvent:
    event: str
    data: dict[str, Any]
    # Set on the last event (`done` or `error`): the finished answer and its trace.
    answer: FollowupAnswer | None = None
    trace: AnswerTrace | None = None


class AnswerService:
    def __init__(
        self,
        index: IndexView,
        retriever: PassageRetriever,
        composer: Composer | None = None,
        policy: AnswerPolicy | None = None,
        clock: Callable[[], float] = time.perf_counter,
        evidence: EvidenceReader | None = None,
        emergency_model: EmergencyModel | None = None,
        scope_model: ScopeModel | None = None,
    ) -> None:
        """`evidence` defaults to the `EvidenceCheck` of a `LoadedIndex`; any other index needs its own."""
        self.index = index
        self.retriever = retriever
        self.composer: Composer = composer or ExtractiveComposer()
        self.policy = policy or AnswerPolicy()
        self._clock = clock
        if evidence is None:
            if not isinstance(index, LoadedIndex):
                raise TypeError("an index other than a LoadedIndex needs its own `evidence` reader")
            evidence = EvidenceCheck(index)
        # The learned second opinions on emergencies and scope (service.triage.emergency_model, scope_model).
        self.planner = Planner(
            index, retriever, evidence, self.policy, emergency_model=emergency_model, scope_model=scope_model
        )

    def answer(self, request: FollowupRequest, request_id: str) -> FollowupAnswer:
        return self.answer_traced(request, request_id)[0]

    def answer_traced(self, request: FollowupRequest, request_id: str) -> tuple[FollowupAnswer, AnswerTrace]:
        run = _Run(self, request, request_id)
        for _ in run.fragments():
            pass
        return run.finish()

    def stream(self, request: FollowupRequest, request_id: str) -> Iterator[StreamEvent]:
        """meta, delta..., citations, references, related, disclaimer, then done (or error)."""
        run = _Run(self, request, request_id)
        yield StreamEvent(
            "meta",
            {
                "request_id": request_id,
                "status": run.plan.outcome.status.value,
                "audience": request.audience.value,
                "index": self.index.version,
            },
        )
        for fragment in run.fragments():
            yield StreamEvent("delta", {"text": fragment})
        answer, trace = run.finish()
        yield StreamEvent("citations", {"citations": [c.model_dump(mode="json") for c in answer.citations]})
        yield StreamEvent("references", {"references": [r.model_dump(mode="json") for r in answer.references]})
        yield StreamEvent("related", {"related_questions": [r.model_dump() for r in answer.related_questions]})
        yield StreamEvent("disclaimer", {"disclaimer": answer.disclaimer, "review_notice": answer.review_notice})
        final = {"status": answer.status.value, "answer": answer.model_dump(mode="json")}
        if trace.error:
            code = "retrieval_failed" if trace.error.startswith("retrieval") else "composition_failed"
            yield StreamEvent("error", {"code": code, "message": trace.error, **final}, answer, trace)
        else:
            yield StreamEvent("done", final, answer, trace)

    def plan(self, request: FollowupRequest) -> AnswerPlan:
        """The decisions before composing (see service.answering.plan); only a question in scope is searched."""
        return self.planner.plan(request)

    def related(self, plan: AnswerPlan, lead_article: str | None = None) -> list[RelatedQuestionOut]:
        """Questions the corpus can answer: the lead cited article's related questions, then the closest matches."""
        related: list[RelatedQuestionOut] = []
        seen: set[str] = set()
        articles = self.index.articles

        def add(question: str, article_id: str | None) -> None:
            if article_id and article_id in articles and question.casefold() not in seen:
                seen.add(question.casefold())
                related.append(RelatedQuestionOut(question=question, article_id=article_id))

        retrieval = plan.retrieval
        if retrieval is None:
            return related
        if plan.query is not None:
            seen.add(plan.query.question.casefold())
        lead = articles.get(lead_article) if lead_article else None
        for item in lead.related_questions if lead else ():
            add(item.question, item.article_id)
        for match in retrieval.question_matches:
            if match.similarity >= self.policy.related_min_similarity:
                add(match.text, match.article_id)
        return related[: self.policy.related_limit]


class _Run:
    """One request through the pipeline: plan, then fragments of text, then the finished answer."""

    def __init__(self, service: AnswerService, request: FollowupRequest, request_id: str) -> None:
        self.service = service
        self.request = request
        self.request_id = request_id
        self.clock = service._clock
        self.started = self.clock()
        self.book = CitationBook(service.index.articles, known=self._known)
        self.blocks: list[AnswerBlock] = []
        # A failing retrieval ends in the plan's outcome, which keeps an emergency's guidance in the answer.
        self.plan = service.plan(request)
        self.trace = AnswerTrace.of(self.plan)
        self.timings: dict[str, float] = dict(self.plan.retrieval.timings) if self.plan.retrieval else {}
        self.status = self.plan.outcome.status

    def _known(self, chunk: Chunk) -> bool:
        index = self.service.index
        row = index.rows.get(chunk.id)
        return row is not None and index.chunks[row] == chunk

    def fragments(self) -> Iterator[str]:
        """The answer's Markdown, block by block as it is composed."""
        return markdown_fragments(self._blocks())

    def _blocks(self) -> Iterator[AnswerBlock]:
        started = self.clock()
        try:
            for block in self._compose():
                self.blocks.append(block)
                yield block
        except Exception as exc:  # noqa: BLE001 (logged without its message) - any composer failure still ends in a well-formed answer
            log.error("composition failed", extra={"fields": {"request_id": self.request_id, **failure_fields(exc)}})
            self.trace.error = f"composition failed: {type(exc).__name__}"
            notice = AnswerBlock(kind=BlockKind.NOTICE, text=wording.COMPOSITION_FAILED)
            self.blocks.append(notice)
            yield notice
        else:
            if self.status is AnswerStatus.ANSWERED and not self.book.citations and self.plan.query is not None:
                # The composer found nothing it could quote: that is an abstention, said as one.
                self.status = AnswerStatus.INSUFFICIENT_EVIDENCE
                message = self.service.planner.abstention(self.plan.query)
                self.blocks.append(message)
                yield message
        self.timings["compose_ms"] = (self.clock() - started) * 1000

    def _compose(self) -> Iterator[AnswerBlock]:
        outcome, query = self.plan.outcome, self.plan.query
        yield from outcome.preamble
        if not (outcome.compose and query):
            return
        if outcome.status is AnswerStatus.EMERGENCY:
            yield AnswerBlock(kind=BlockKind.NOTICE, text=wording.EMERGENCY_FOLLOWS)
        limit = self.request.max_citations or DEFAULT_MAX_CITATIONS
        for piece in self.service.composer.stream(query, list(outcome.evidence), limit):
            if isinstance(piece, str):
                yield AnswerBlock(kind=BlockKind.HEADING, text=piece)
            else:
                yield statement(self.book, piece)

    def finish(self) -> tuple[FollowupAnswer, AnswerTrace]:
        self.timings["total_ms"] = (self.clock() - self.started) * 1000
        answer = finalize(
            status=self.status,
            blocks=self.blocks,
            book=self.book,
            articles=self.service.index.articles,
            audience=self.request.audience,
            related=self.service.related(self.plan, self.book.citations[0].article_id if self.book.citations else None),
            request_id=self.request_id,
            timings={k: round(v, 2) for k, v in self.timings.items()},
        )
        return answer, self.trace
