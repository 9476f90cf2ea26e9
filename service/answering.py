"""The follow-up pipeline: safety -> query resolution -> retrieval -> composition -> finalize.

`answer()` and `stream()` share one generator of answer fragments, so the streamed answer is the
same as the JSON one. Whatever happens in composition, the references of what was quoted and the
disclaimer are attached by code at the end.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from service import texts
from service.citations import CitationBook, escape_markdown, finalize, render_item
from service.composition import Composer, ExtractiveComposer
from service.index import LoadedIndex
from service.models import (
    AnswerStatus,
    FollowupAnswer,
    FollowupRequest,
    Query,
    RelatedQuestionOut,
)
from service.query import resolve_query
from service.retrieval import Retrieval, Retriever
from service.safety import EMERGENCY_GUIDANCE, Emergency, contains_injection, detect_emergency, strip_injection
from service.scope import looks_medical

DEFAULT_MAX_CITATIONS = 5


@dataclass(frozen=True)
class AnswerPolicy:
    # Below this cosine similarity the best passage is not evidence: abstain. Calibrated on the golden set.
    abstain_below: float = 0.45
    # A question with no medical vocabulary is out of scope unless a passage matches it this well.
    out_of_scope_below: float = 0.55
    related_limit: int = 6


@dataclass
class StreamEvent:
    event: str
    data: dict[str, Any]


@dataclass
class _Plan:
    """What the pipeline decided before composing."""

    status: AnswerStatus
    query: Query | None
    retrieval: Retrieval | None
    preamble: list[str] = field(default_factory=list)
    compose: bool = False


class AnswerService:
    def __init__(
        self,
        index: LoadedIndex,
        retriever: Retriever,
        composer: Composer | None = None,
        policy: AnswerPolicy | None = None,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.index = index
        self.retriever = retriever
        self.composer: Composer = composer or ExtractiveComposer()
        self.policy = policy or AnswerPolicy()
        self._clock = clock

    def answer(self, request: FollowupRequest, request_id: str) -> FollowupAnswer:
        final: FollowupAnswer | None = None
        for event in self.stream(request, request_id):
            if event.event == "done":
                final = FollowupAnswer.model_validate(event.data["answer"])
        assert final is not None, "the stream always ends with a done event"
        return final

    def stream(self, request: FollowupRequest, request_id: str) -> Iterator[StreamEvent]:
        started = self._clock()
        timings: dict[str, float] = {}
        plan = self._plan(request, timings)
        book = CitationBook(self.index.articles)
        yield StreamEvent("meta", {"request_id": request_id, "status": plan.status.value, "index": self.index.version})

        body: list[str] = []
        error: str | None = None
        compose_start = self._clock()
        try:
            for fragment in self._fragments(plan, request, book):
                body.append(fragment)
                yield StreamEvent("delta", {"text": fragment})
        except Exception as exc:  # noqa: BLE001 - any composer failure still ends in a well-formed answer
            error = f"composition failed: {type(exc).__name__}"
            yield StreamEvent("error", {"message": error})
        timings["compose_ms"] = (self._clock() - compose_start) * 1000
        timings["total_ms"] = (self._clock() - started) * 1000

        answer = finalize(
            status=plan.status,
            body="".join(body).strip(),
            book=book,
            articles=self.index.articles,
            audience=request.audience,
            related=self._related(plan),
            request_id=request_id,
            timings={k: round(v, 2) for k, v in timings.items()},
        )
        yield StreamEvent("citations", {"citations": [c.model_dump(mode="json") for c in answer.citations]})
        yield StreamEvent("references", {"references": [r.model_dump(mode="json") for r in answer.references]})
        yield StreamEvent("related", {"related_questions": [r.model_dump() for r in answer.related_questions]})
        yield StreamEvent("disclaimer", {"disclaimer": answer.disclaimer, "review_notice": answer.review_notice})
        yield StreamEvent("done", {"answer": answer.model_dump(mode="json"), "error": error})

    def _plan(self, request: FollowupRequest, timings: dict[str, float]) -> _Plan:
        emergency = detect_emergency(request.question)
        question = request.question
        if contains_injection(question):
            question = strip_injection(question)
        if not question.strip() or (not emergency and not looks_medical(question) and len(question.split()) < 2):
            return _Plan(AnswerStatus.OUT_OF_SCOPE, None, None, [texts.OUT_OF_SCOPE])

        article = self.index.articles.get(request.article_id) if request.article_id else None
        query = resolve_query(request.model_copy(update={"question": question}), article.question if article else None)
        retrieval = self.retriever.retrieve(query)
        timings.update(retrieval.timings)
        best = retrieval.best_similarity
        if emergency:
            return _Plan(
                AnswerStatus.EMERGENCY,
                query,
                retrieval,
                [self._guidance(emergency, request)],
                compose=best >= self.policy.abstain_below,
            )
        if not looks_medical(query.question) and best < self.policy.out_of_scope_below:
            return _Plan(AnswerStatus.OUT_OF_SCOPE, query, retrieval, [texts.OUT_OF_SCOPE])
        if best < self.policy.abstain_below:
            message = texts.insufficient_evidence(len(self.index.articles), len(self.index.chunks), query.text)
            return _Plan(AnswerStatus.INSUFFICIENT_EVIDENCE, query, retrieval, [message])
        return _Plan(AnswerStatus.ANSWERED, query, retrieval, compose=True)

    def _fragments(self, plan: _Plan, request: FollowupRequest, book: CitationBook) -> Iterator[str]:
        for paragraph in plan.preamble:
            yield paragraph + "\n\n"
        if not (plan.compose and plan.query and plan.retrieval):
            return
        if plan.status is AnswerStatus.EMERGENCY:
            yield texts.EMERGENCY_FOLLOWS + "\n\n"
        limit = request.max_citations or DEFAULT_MAX_CITATIONS
        in_list = False
        for piece in self.composer.stream(plan.query, plan.retrieval.passages, limit):
            if isinstance(piece, str):
                yield ("\n" if in_list else "") + f"**{escape_markdown(piece)}**\n\n"
                in_list = True
            elif in_list:
                yield f"- {render_item(book, piece)}\n"
            else:
                yield render_item(book, piece) + "\n\n"

    def _guidance(self, emergency: Emergency, request: FollowupRequest) -> str:
        if request.audience.value == "patient":
            key = "patient-suicide" if "suicide" in emergency.flag else "patient"
            return EMERGENCY_GUIDANCE[key]
        return EMERGENCY_GUIDANCE["clinician"].format(flag=emergency.flag)

    def _related(self, plan: _Plan) -> list[RelatedQuestionOut]:
        """Questions the corpus can answer: the cited article's related questions, then the closest matches."""
        related: list[RelatedQuestionOut] = []
        seen: set[str] = set()

        def add(question: str, article_id: str | None) -> None:
            if article_id and article_id in self.index.articles and question not in seen:
                seen.add(question)
                related.append(RelatedQuestionOut(question=question, article_id=article_id))

        retrieval = plan.retrieval
        if retrieval is None:
            return related
        if plan.status is AnswerStatus.ANSWERED and retrieval.passages:
            lead = self.index.articles[retrieval.passages[0].chunk.article_id]
            for item in lead.related_questions:
                add(item.question, item.article_id)
        for match in retrieval.question_matches:
            add(match.text, match.article_id)
        return related[: self.policy.related_limit]
