"""The follow-up pipeline: safety -> scope -> query resolution -> retrieval -> composition -> finalize.

`answer()` and `stream()` run the same `_Run`, so the streamed answer is the same as the JSON one.
Whatever happens in retrieval or composition, the references of what was quoted and the disclaimer
are attached by code at the end, and the stream still sends them before its last event.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from ingest.models import Chunk
from service.answering import wording
from service.answering.citations import CitationBook, escape_markdown, finalize, render_item
from service.answering.composition import Composer, ExtractiveComposer
from service.answering.evidence_check import EvidenceCheck
from service.handoffs import Passage, Query
from service.logs import failure_fields
from service.retrieval.index import LoadedIndex
from service.retrieval.query import resolve_query
from service.retrieval.retriever import Retrieval, Retriever
from service.schema import AnswerStatus, Audience, FollowupAnswer, FollowupRequest, RelatedQuestionOut
from service.triage.emergency import Emergency, detect_emergency
from service.triage.emergency import guidance as emergency_guidance
from service.triage.emergency_model import EmergencyModel, speaks_of_a_present_situation
from service.triage.injection import contains_injection, strip_injection
from service.triage.lexical_checks import populations
from service.triage.personal_details import strip_personal_details
from service.triage.scope import Scope, assess_scope, changes_the_rules, is_non_medical_task

log = logging.getLogger("vademecum.service")

DEFAULT_MAX_CITATIONS = 5


@dataclass(frozen=True)
class AnswerPolicy:
    # Below this cosine similarity the best citable passage is not evidence: abstain. Calibrated on the
    # golden set (evals/golden) and tests/service/data: it keeps nearly every in-corpus question answered
    # while uncovered topics abstain; the near misses close to a covered topic are left to the term and
    # population checks of service.triage.lexical_checks. See tests/service/test_calibration.py.
    abstain_below: float = 0.43
    # A question the scope check is unsure about is answered only when a passage matches it this well;
    # below, it is an abstention (a medical question the corpus cannot answer), never out of scope.
    unsure_answer_above: float = 0.55
    related_limit: int = 6
    # Suggested questions must be at least this close to what was asked.
    related_min_similarity: float = 0.2


@dataclass
class AnswerTrace:
    """What the access log may record about an answer: ids, scores and decisions, never text."""

    retrieved: list[str] = field(default_factory=list)
    best_similarity: float | None = None
    context_turns: int = 0
    emergency: str | None = None
    injection: bool = False
    scope: str | None = None
    unknown_terms: list[str] = field(default_factory=list)
    unaddressed: list[str] = field(default_factory=list)
    error: str | None = None


@dataclass
class StreamEvent:
    event: str
    data: dict[str, Any]
    # Set on the last event (`done` or `error`): the finished answer and its trace.
    answer: FollowupAnswer | None = None
    trace: AnswerTrace | None = None


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
        emergency_model: EmergencyModel | None = None,
    ) -> None:
        self.index = index
        self.retriever = retriever
        self.composer: Composer = composer or ExtractiveComposer()
        self.policy = policy or AnswerPolicy()
        self._clock = clock
        # The learned second opinion on emergencies (service.triage.emergency_model); None: the tables alone.
        self.emergency_model = emergency_model
        self._populations: dict[str, set[str]] = {}
        self.evidence_check = EvidenceCheck(index)

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
                "status": run.plan.status.value,
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

    # The decisions, in order. Each returns a plan; retrieval happens only for questions in scope.

    def plan(self, request: FollowupRequest, trace: AnswerTrace, timings: dict[str, float]) -> _Plan:
        # Names and identifiers cannot match a passage, and a rare name would read as an unknown term.
        question = strip_personal_details(request.question)
        if contains_injection(question):
            trace.injection = True
            question = strip_injection(question)
        # On the question without its instructions: "you are now..." is not a present situation.
        emergency = detect_emergency(
            question if question.strip() else request.question, weak_cues=request.audience is Audience.PATIENT
        )
        question_vector = None
        if (
            emergency is None
            and self.emergency_model is not None
            and question.strip()
            and speaks_of_a_present_situation(question, weak_cues=request.audience is Audience.PATIENT)
        ):
            # Words no presentation table lists: the learned model reads the question as a whole.
            question_vector = self.retriever.embed_question(" ".join(question.split()))
            emergency = self.emergency_model.detect(question_vector)
        trace.emergency = emergency.flag if emergency else None
        article = self.index.articles.get(request.article_id) if request.article_id else None
        has_context = article is not None or any(turn.role == "user" for turn in request.history)
        scope = assess_scope(question, self.index.words, has_context)
        if is_non_medical_task(request.question) or changes_the_rules(request.question):
            # Judged on the question as typed: stripping "now write me a script" as an instruction leaves "ok".
            scope = Scope.OUT
        trace.scope = scope.value
        if emergency is None and (scope is Scope.OUT or not question.strip()):
            return _Plan(AnswerStatus.OUT_OF_SCOPE, None, None, [wording.OUT_OF_SCOPE])
        if not question.strip():
            question = request.question
        trace.context_turns = sum(1 for turn in request.history if turn.role == "user")

        query = resolve_query(request.model_copy(update={"question": question}), article.question if article else None)
        if emergency is not None and emergency.topic:
            # Search for what helps in this emergency, in the corpus's words, along with the question's.
            query = query.model_copy(update={"text": f"{emergency.topic}: {query.text}"})
        try:
            if question_vector is not None and query.question == " ".join(question.split()):
                retrieval = self.retriever.retrieve(query, question_vector=question_vector)
            else:
                retrieval = self.retriever.retrieve(query)
        except Exception as exc:  # noqa: BLE001 (logged without its message) - a failing store still ends in a well-formed answer
            log.error("retrieval failed", extra={"fields": failure_fields(exc)})
            trace.error = f"retrieval failed: {type(exc).__name__}"
            preamble = [self._guidance(emergency, request.audience)] if emergency else []
            status = AnswerStatus.EMERGENCY if emergency else AnswerStatus.INSUFFICIENT_EVIDENCE
            return _Plan(status, query, None, [*preamble, wording.SEARCH_FAILED])
        timings.update(retrieval.timings)
        trace.retrieved = [p.chunk.id for p in retrieval.passages]
        best = retrieval.best_citable_similarity
        trace.best_similarity = round(best, 4)

        if emergency is not None:
            guidance = self._guidance(emergency, request.audience)
            return _Plan(
                AnswerStatus.EMERGENCY, query, retrieval, [guidance], compose=best >= self.policy.abstain_below
            )
        if (
            scope is Scope.UNSURE
            and best < self.policy.unsure_answer_above
            and not self.evidence_check.supported(query.question, retrieval.passages)
        ):
            return _Plan(AnswerStatus.INSUFFICIENT_EVIDENCE, query, retrieval, [self._searched(query)])
        unknown = self.index.terms.unknown_terms(query.question) if self.index.terms else []
        trace.unknown_terms = unknown
        if unknown:
            message = self._searched(query, unknown_terms=unknown)
            return _Plan(AnswerStatus.INSUFFICIENT_EVIDENCE, query, retrieval, [message])
        wanted = sorted(populations(query.question))
        if wanted:
            # A question about a population is answered only from passages that speak about it.
            retrieval = replace(retrieval, passages=[p for p in retrieval.passages if self._covers(p, wanted)])
            best = retrieval.best_citable_similarity
        fitting = self.evidence_check.fitting_age(query.question, retrieval.passages)
        if fitting is not None:
            # Evidence from an article written for another age group (or for non-pregnant women) does not
            # answer a question about this one, unless the passage itself speaks of the group asked about.
            retrieval = replace(retrieval, passages=fitting)
            if retrieval.best_citable_similarity < best:
                wanted = wanted or ["the age group asked about"]
            best = retrieval.best_citable_similarity
        lexical = best < self.policy.abstain_below and self.evidence_check.supported(query.question, retrieval.passages)
        if lexical:
            # A named score, rule or trial the model does not recognise, found word for word: that is evidence.
            best = self.policy.abstain_below
        if best < self.policy.abstain_below:
            message = self._searched(query, populations=wanted if wanted else None)
            return _Plan(AnswerStatus.INSUFFICIENT_EVIDENCE, query, retrieval, [message])
        unaddressed = self._unaddressed(query, retrieval, article.id if article else None, lexical)
        trace.unaddressed = unaddressed
        if unaddressed:
            message = self._searched(query, unknown_terms=unaddressed)
            return _Plan(AnswerStatus.INSUFFICIENT_EVIDENCE, query, retrieval, [message])
        return _Plan(AnswerStatus.ANSWERED, query, retrieval, compose=True)

    def _unaddressed(self, query: Query, retrieval: Retrieval, reading: str | None, lexical: bool) -> list[str]:
        """What the question asks that the evidence to be cited does not speak of (see service.triage.asked)."""
        floor = 0.0 if lexical else self.policy.abstain_below
        cited = [p for p in retrieval.passages if p.chunk.citations and p.similarity >= floor]
        return self.evidence_check.unaddressed(query.question, cited[:DEFAULT_MAX_CITATIONS], reading)

    def _covers(self, passage: Passage, wanted: list[str]) -> bool:
        found = populations(passage.chunk.text) | self._article_populations(passage.chunk.article_id)
        return all(population in found for population in wanted)

    def _article_populations(self, article_id: str) -> set[str]:
        cached = self._populations.get(article_id)
        if cached is None:
            article = self.index.articles.get(article_id)
            cached = populations(f"{article.title} {article.question}") if article else set()
            self._populations[article_id] = cached
        return cached

    def _searched(
        self, query: Query, unknown_terms: list[str] | None = None, populations: list[str] | None = None
    ) -> str:
        return wording.insufficient_evidence(
            len(self.index.articles),
            len(self.index.chunks),
            escape_markdown(query.text[:300]),
            query.filters,
            unknown_terms=[escape_markdown(t) for t in unknown_terms or []],
            populations=populations,
        )

    def _guidance(self, emergency: Emergency, audience: Audience) -> str:
        return emergency_guidance(emergency, patient=audience is Audience.PATIENT)

    def related(self, plan: _Plan, lead_article: str | None = None) -> list[RelatedQuestionOut]:
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
        self.timings: dict[str, float] = {}
        self.trace = AnswerTrace()
        index = service.index
        self.book = CitationBook(index.articles, known=self._known)
        self.body: list[str] = []
        # A failing retrieval is caught inside `plan`, which keeps an emergency's guidance in the answer.
        self.plan = service.plan(request, self.trace, self.timings)
        self.status = self.plan.status

    def _known(self, chunk: Chunk) -> bool:
        index = self.service.index
        row = index.rows.get(chunk.id)
        return row is not None and index.chunks[row] == chunk

    def fragments(self) -> Iterator[str]:
        started = self.clock()
        try:
            for fragment in self._compose():
                self.body.append(fragment)
                yield fragment
        except Exception as exc:  # noqa: BLE001 (logged without its message) - any composer failure still ends in a well-formed answer
            log.error("composition failed", extra={"fields": {"request_id": self.request_id, **failure_fields(exc)}})
            self.trace.error = f"composition failed: {type(exc).__name__}"
            notice = ("\n\n" if self.body else "") + wording.COMPOSITION_FAILED
            self.body.append(notice)
            yield notice
        else:
            if self.status is AnswerStatus.ANSWERED and not self.book.citations and self.plan.query is not None:
                # The composer found nothing it could quote: that is an abstention, said as one.
                self.status = AnswerStatus.INSUFFICIENT_EVIDENCE
                message = self.service._searched(self.plan.query)
                self.body.append(message)
                yield message
        self.timings["compose_ms"] = (self.clock() - started) * 1000

    def _compose(self) -> Iterator[str]:
        plan, book = self.plan, self.book
        for paragraph in plan.preamble:
            yield paragraph + "\n\n"
        if not (plan.compose and plan.query and plan.retrieval):
            return
        if plan.status is AnswerStatus.EMERGENCY:
            yield wording.EMERGENCY_FOLLOWS + "\n\n"
        limit = self.request.max_citations or DEFAULT_MAX_CITATIONS
        in_list = False
        for piece in self.service.composer.stream(plan.query, plan.retrieval.passages, limit):
            if isinstance(piece, str):
                yield ("\n" if in_list else "") + f"**{escape_markdown(piece)}**\n\n"
                in_list = True
            elif in_list:
                yield f"- {render_item(book, piece)}\n"
            else:
                yield render_item(book, piece) + "\n\n"

    def finish(self) -> tuple[FollowupAnswer, AnswerTrace]:
        self.timings["total_ms"] = (self.clock() - self.started) * 1000
        answer = finalize(
            status=self.status,
            body="".join(self.body).strip(),
            book=self.book,
            articles=self.service.index.articles,
            audience=self.request.audience,
            related=self.service.related(self.plan, self.book.citations[0].article_id if self.book.citations else None),
            request_id=self.request_id,
            timings={k: round(v, 2) for k, v in self.timings.items()},
        )
        return answer, self.trace
