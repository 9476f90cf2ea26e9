"""The answer plan: what the pipeline decides before it composes, as named steps that each return a result.

    screen(question)           -> Screening  the question without personal details and injected instructions
    Planner.triage(request)    -> Triage     emergency, scope, the article being read (and the question's vector,
                                             when the learned emergency model read it)
    Planner.resolve(request)   -> Query      the question with its context, lay words' clinical words, emergency topic
    Planner.retrieve(query)    -> Retrieval, or SearchFailed  (reusing the triage's question vector)
    Planner.narrow(query)      -> Narrowed   the passages fitting the population, age group and subtype asked about
    Planner.weigh(query)       -> Outcome    the status, the paragraphs that lead the answer, what may be quoted

`Planner.plan` runs them in this order into an `AnswerPlan`. Only a question in scope, or an emergency, is
searched; a failing search ends in an outcome too (keeping an emergency's guidance), never in an exception.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from ingest.embedding import Vectors
from ingest.models import Article
from service.answering import wording
from service.answering.markdown import unescape_markdown
from service.answering.narrowing import Narrower
from service.answering.views import EvidenceReader, IndexView, PassageRetriever
from service.handoffs import Passage, Query
from service.logs import failure_fields
from service.retrieval.query import resolve_query
from service.retrieval.retriever import Retrieval
from service.schema import AnswerBlock, AnswerStatus, Audience, BlockKind, FollowupRequest
from service.triage.acronyms import typed_acronyms
from service.triage.conditions import named_conditions
from service.triage.emergency import Emergency, detect_emergency
from service.triage.emergency_model import EmergencyModel, speaks_of_a_present_situation
from service.triage.guidance import guidance as emergency_guidance
from service.triage.injection import contains_injection, strip_injection
from service.triage.lay_terms import in_clinical_words
from service.triage.lexical_checks import RecognisedWords
from service.triage.personal_details import strip_personal_details
from service.triage.rule_changes import changes_the_rules
from service.triage.scope import Scope, assess_scope, is_non_medical_task
from service.triage.scope_model import ScopeModel
from service.triage.slips import TypingSlips, scope_slips

__all__ = [
    "DEFAULT_MAX_CITATIONS",
    "AnswerPlan",
    "AnswerPolicy",
    "Outcome",
    "Planner",
    "QuestionVector",
    "Screening",
    "SearchFailed",
    "Triage",
    "guidance_blocks",
    "screen",
]

log = logging.getLogger("vademecum.service")

DEFAULT_MAX_CITATIONS = 5
# The emergency guidance as service.triage.emergency writes it: a bold call for help, then any advice.
_GUIDANCE = re.compile(r"\*\*(?P<call>.+?)\*\*(?:\s+(?P<advice>.+))?", re.DOTALL)


@dataclass(frozen=True)
class AnswerPolicy:
    # Below this cosine similarity the best citable passage is not evidence: abstain. Calibrated on the
    # golden set (evals/golden) and tests/service/data: it keeps nearly every in-corpus question answered
    # while uncovered topics abstain; the near misses close to a covered topic are left to the term and
    # population checks of service.triage.lexical_checks. See tests/service/test_calibration.py.
    abstain_below: float = 0.43
    # The same floor for a question inside a conversation (an article being read, earlier turns). A terse
    # follow-up ("what do I watch for?") leaves its topic to the conversation, so its own embedding sits
    # further from the passage that answers it. Chosen on devset-tune's and golden's conversation cases.
    abstain_below_in_conversation: float = 0.33
    # A question the scope check is unsure about is answered only when a passage matches it this well;
    # below, it is an abstention (a medical question the corpus cannot answer), never out of scope.
    unsure_answer_above: float = 0.55
    related_limit: int = 6
    # Suggested questions must be at least this close to what was asked.
    related_min_similarity: float = 0.2


@dataclass(frozen=True)
class Screening:
    """The question as the later steps read it: names and identifiers cannot match a passage (and a rare name
    would read as an unknown term), and injected instructions are not part of the question."""

    question: str  # blank when the question was nothing but instructions
    injection: bool

    @property
    def blank(self) -> bool:
        return not self.question.strip()


@dataclass(frozen=True)
class QuestionVector:
    """The screened question, whitespace normalised, and its embedding: made for the learned emergency model,
    reused by retrieval when the question searched is this one (no second forward pass)."""

    question: str
    vector: Vectors = field(compare=False, repr=False)


@dataclass(frozen=True)
class Triage:
    emergency: Emergency | None
    scope: Scope
    reading: Article | None  # the article the user is reading, when the index holds it
    context_turns: int  # the user turns before the question
    question_vector: QuestionVector | None = None  # None: the learned emergency model did not read the question


@dataclass(frozen=True)
class SearchFailed:
    error: str  # "retrieval failed: <exception type>", never the exception's message


@dataclass(frozen=True)
class Outcome:
    status: AnswerStatus
    preamble: tuple[AnswerBlock, ...] = ()  # what leads the answer: guidance, abstention, notices
    compose: bool = False  # whether passages are quoted after the preamble
    evidence: tuple[Passage, ...] = ()  # the passages that may be quoted
    unknown_terms: tuple[str, ...] = ()  # words of the question the corpus does not know
    unaddressed: tuple[str, ...] = ()  # what the question asks that the evidence does not speak of


@dataclass(frozen=True)
class AnswerPlan:
    """Each step's result, and what the pipeline decided before composing."""

    screening: Screening
    triage: Triage
    outcome: Outcome
    query: Query | None = None  # None: not searched (out of scope)
    retrieval: Retrieval | None = None  # as the retriever returned it; None: not searched, or the search failed
    error: str | None = None  # why the search failed


def screen(question: str) -> Screening:
    cleaned = strip_personal_details(question)
    injection = contains_injection(cleaned)
    return Screening(strip_injection(cleaned) if injection else cleaned, injection)


class Planner:
    def __init__(
        self,
        index: IndexView,
        retriever: PassageRetriever,
        evidence: EvidenceReader,
        policy: AnswerPolicy,
        emergency_model: EmergencyModel | None = None,
        scope_model: ScopeModel | None = None,
    ) -> None:
        self.index = index
        self.retriever = retriever
        self.evidence = evidence
        self.policy = policy
        # The learned second opinions on emergencies and scope (service.triage.emergency_model, scope_model);
        # None: the presentation tables, or the scope check's words, alone.
        self.emergency_model = emergency_model
        self.scope_model = scope_model
        self.narrower = Narrower(index, evidence, DEFAULT_MAX_CITATIONS)
        # Slips of ordinary words put back before anything reads the question (service.triage.slips).
        self.typing = TypingSlips(index.words)

    def plan(self, request: FollowupRequest) -> AnswerPlan:
        screening = screen(self.typing.put_back(request.question))
        triage = self.triage(request, screening)
        if triage.emergency is None and (triage.scope is Scope.OUT or screening.blank):
            return AnswerPlan(screening, triage, Outcome(AnswerStatus.OUT_OF_SCOPE, (_notice(wording.OUT_OF_SCOPE),)))
        query = self.resolve(request, screening, triage)
        found = self.retrieve(query, triage.question_vector)
        if not isinstance(found, SearchFailed) and triage.emergency is None:
            query, found = self.spell_out(query, found, self.floor(triage))
        if isinstance(found, SearchFailed):
            return AnswerPlan(screening, triage, self.search_failed(triage, request.audience), query, error=found.error)
        outcome = self.weigh(query, found, triage, request.audience)
        typed = typed_acronyms(query.question, shorthand=True, two_letters=True)
        if triage.emergency is None and any(term in typed for term in outcome.unaddressed):
            # What the evidence does not speak of may be an acronym the embedding model cannot read ("DKA fluids"):
            # searched again with it spelt out in the articles' words, the answer is kept if it addresses the question.
            spelt, again = self.spell_out(query, found, floor=float("inf"))
            if spelt is not query and not isinstance(again, SearchFailed):
                retried = self.weigh(spelt, again, triage, request.audience)
                if not retried.unaddressed:
                    query, found, outcome = spelt, again, retried
        return AnswerPlan(screening, triage, outcome, query, found)

    def triage(self, request: FollowupRequest, screening: Screening) -> Triage:
        # On the question without its instructions: "you are now..." is not a present situation.
        emergency = detect_emergency(
            request.question if screening.blank else screening.question,
            weak_cues=request.audience is Audience.PATIENT,
        )
        question_vector = None
        article = self.index.articles.get(request.article_id) if request.article_id else None
        has_context = article is not None or any(turn.role == "user" for turn in request.history)
        if (
            emergency is None
            and self.emergency_model is not None
            and not screening.blank
            and speaks_of_a_present_situation(
                screening.question, weak_cues=request.audience is Audience.PATIENT, in_conversation=has_context
            )
        ):
            # Words no presentation table lists: the learned model reads the question as a whole.
            normalised = " ".join(screening.question.split())
            question_vector = QuestionVector(normalised, self.retriever.embed_question(normalised))
            emergency = self.emergency_model.detect(question_vector.vector, in_conversation=has_context)
        # A slip of a corpus word ("dekirium") is as known to the scope check as the word, and a slip of a task
        # or a rule change ("wtite me a cover letter", "drpp the disclaimer") is that task or rule change.
        slips = scope_slips()
        scope = assess_scope(
            slips.put_back(screening.question), RecognisedWords(self.index.words, self.index.terms), has_context
        )
        typed = slips.put_back(request.question)
        if is_non_medical_task(typed) or changes_the_rules(typed):
            # Judged on the question as typed: stripping "now write me a script" as an instruction leaves "ok".
            scope = Scope.OUT
        if (
            self.scope_model is not None
            and scope is not Scope.OUT
            and emergency is None
            and not has_context
            and not named_conditions(screening.question)
        ):
            # Requests no pattern lists ("a good name for my physio clinic"): the learned model reads it as typed.
            # Not inside a conversation, which the model does not read: there "K is 3.1" continues a case. Not
            # when the question names a condition: "red flags for cauda equina" is medical whatever it reads like.
            as_typed = " ".join(request.question.split())
            if question_vector is None or question_vector.question != as_typed:
                vector = self.retriever.embed_question(as_typed)
                if as_typed == " ".join(screening.question.split()):
                    question_vector = QuestionVector(as_typed, vector)
            else:
                vector = question_vector.vector
            if self.scope_model.out_of_scope(vector):
                scope = Scope.OUT
        context_turns = sum(1 for turn in request.history if turn.role == "user")
        return Triage(emergency, scope, article, context_turns, question_vector)

    def resolve(self, request: FollowupRequest, screening: Screening, triage: Triage) -> Query:
        question = request.question if screening.blank else screening.question
        reading = triage.reading.question if triage.reading else None
        query = resolve_query(request.model_copy(update={"question": question}), reading)
        clinical = in_clinical_words(query.question, known=self.index.words)
        if clinical != query.question:
            # Lay words searched with the articles' words for them: "on blood thinners (anticoagulant)".
            query = query.model_copy(
                update={"question": clinical, "text": query.text.replace(query.question, clinical)}
            )
        if triage.emergency is not None and triage.emergency.topic:
            # Search for what helps in this emergency, in the corpus's words, along with the question's.
            query = query.model_copy(update={"text": f"{triage.emergency.topic}: {query.text}"})
        return query

    def retrieve(self, query: Query, embedded: QuestionVector | None = None) -> Retrieval | SearchFailed:
        """`embedded`: the question already embedded in triage, reused when it is the question searched."""
        try:
            if embedded is not None and query.question == embedded.question:
                return self.retriever.retrieve(query, question_vector=embedded.vector)
            return self.retriever.retrieve(query)
        except Exception as exc:  # noqa: BLE001 (logged without its message) - a failing store still ends in a well-formed answer
            log.error("retrieval failed", extra={"fields": failure_fields(exc)})
            return SearchFailed(f"retrieval failed: {type(exc).__name__}")

    def spell_out(self, query: Query, found: Retrieval, floor: float) -> tuple[Query, Retrieval | SearchFailed]:
        """Below the floor, search again with the question's acronyms spelt out in the words of the articles
        found: the embedding model reads "ACS" as a few word pieces, "acute coronary syndrome" as a topic.
        The second search is kept when its best passage is closer."""
        if found.best_citable_similarity >= floor:
            return query, found
        question = self.evidence.spelt_out(query.question, found.passages)
        if question == query.question:
            return query, found
        text = query.text.replace(query.question, question) if query.question in query.text else question
        spelt = query.model_copy(update={"question": question, "text": text})
        again = self.retrieve(spelt)
        if isinstance(again, SearchFailed) or again.best_citable_similarity <= found.best_citable_similarity:
            return query, found
        return spelt, again

    def search_failed(self, triage: Triage, audience: Audience) -> Outcome:
        notice = _notice(wording.SEARCH_FAILED)
        if triage.emergency is None:
            return Outcome(AnswerStatus.INSUFFICIENT_EVIDENCE, (notice,))
        return Outcome(AnswerStatus.EMERGENCY, (*guidance_blocks(triage.emergency, audience), notice))

    def weigh(self, query: Query, retrieval: Retrieval, triage: Triage, audience: Audience) -> Outcome:
        """Is the evidence enough to answer? The checks in order; the first that fails decides."""
        found = tuple(retrieval.passages)
        best = retrieval.best_citable_similarity
        abstain_below = self.floor(triage)
        if triage.emergency is not None:
            guidance = guidance_blocks(triage.emergency, audience)
            return Outcome(AnswerStatus.EMERGENCY, guidance, compose=best >= abstain_below, evidence=found)
        if (
            triage.scope is Scope.UNSURE
            and best < self.policy.unsure_answer_above
            and not self.evidence.supported(query.question, retrieval.passages)
        ):
            return Outcome(AnswerStatus.INSUFFICIENT_EVIDENCE, (self.abstention(query),), evidence=found)
        unknown = tuple(self.index.terms.unknown_terms(query.question) if self.index.terms else [])
        if unknown:
            message = self.abstention(query, unknown_terms=unknown)
            return Outcome(AnswerStatus.INSUFFICIENT_EVIDENCE, (message,), evidence=found, unknown_terms=unknown)
        narrowed = self.narrower.narrow(query.question, retrieval)
        evidence = tuple(narrowed.retrieval.passages)
        best = narrowed.retrieval.best_citable_similarity
        lexical = best < abstain_below and self.evidence.supported(query.question, narrowed.retrieval.passages)
        if lexical:
            # A named score, rule or trial the model does not recognise, found word for word: that is evidence.
            best = abstain_below
        if best < abstain_below:
            message = self.abstention(query, populations=narrowed.populations or None)
            return Outcome(AnswerStatus.INSUFFICIENT_EVIDENCE, (message,), evidence=evidence)
        reading = triage.reading.id if triage.reading else None
        unaddressed = tuple(self._unaddressed(query, narrowed.retrieval, reading, abstain_below, lexical))
        if unaddressed:
            message = self.abstention(query, unknown_terms=unaddressed)
            return Outcome(AnswerStatus.INSUFFICIENT_EVIDENCE, (message,), evidence=evidence, unaddressed=unaddressed)
        # The summaries of the articles found may be quoted too, never weighed: the checks above read the ranking.
        return Outcome(AnswerStatus.ANSWERED, compose=True, evidence=(*evidence, *narrowed.retrieval.summaries))

    def floor(self, triage: Triage) -> float:
        """The similarity below which the best citable passage is not evidence for this question."""
        if triage.reading is not None or triage.context_turns:
            return self.policy.abstain_below_in_conversation
        return self.policy.abstain_below

    def _unaddressed(
        self, query: Query, retrieval: Retrieval, reading: str | None, abstain_below: float, lexical: bool
    ) -> list[str]:
        """What the question asks that the evidence to be cited does not speak of (see service.triage.asked)."""
        floor = 0.0 if lexical else abstain_below
        cited = [p for p in retrieval.passages if p.chunk.cited_claim and p.similarity >= floor]
        return self.evidence.unaddressed(query.question, cited[:DEFAULT_MAX_CITATIONS], reading)

    def abstention(
        self, query: Query, unknown_terms: tuple[str, ...] = (), populations: tuple[str, ...] | None = None
    ) -> AnswerBlock:
        """Why no answer is given, and what was searched."""
        text = wording.insufficient_evidence(
            len(self.index.articles),
            len(self.index.chunks),
            query.text[:300],
            query.filters,
            unknown_terms=list(unknown_terms),
            populations=list(populations) if populations else None,
        )
        return AnswerBlock(kind=BlockKind.ABSTENTION, text=text)


def guidance_blocks(emergency: Emergency, audience: Audience) -> tuple[AnswerBlock, ...]:
    """The emergency guidance as blocks: the call for help, then any advice on what to do while help comes."""
    markdown = emergency_guidance(emergency, patient=audience is Audience.PATIENT)
    found = _GUIDANCE.fullmatch(markdown)
    if found is None:  # not bold at its start: all of it is the call for help
        return (AnswerBlock(kind=BlockKind.EMERGENCY, text=unescape_markdown(markdown.replace("**", ""))),)
    call = AnswerBlock(kind=BlockKind.EMERGENCY, text=unescape_markdown(found["call"]))
    if not found["advice"]:
        return (call,)
    return (call, AnswerBlock(kind=BlockKind.EMERGENCY_ADVICE, text=unescape_markdown(found["advice"])))


def _notice(text: str) -> AnswerBlock:
    return AnswerBlock(kind=BlockKind.NOTICE, text=text)
