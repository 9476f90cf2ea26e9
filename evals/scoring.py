"""Score one system's output for one case: every metric, and a plain account of what went wrong."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from evals import answer_text, metrics
from evals.datasets import section_unit
from evals.judge import CachedEmbedder, Judge, Label
from evals.models import (
    Case,
    CaseMetrics,
    CaseResult,
    CitationOut,
    Judgments,
    RankedPassage,
    RelevanceUnit,
    SystemOutput,
)
from service.answering.citations import consistency_problems
from service.schema import AnswerStatus, FollowupAnswer

_SECTION_SUFFIX = re.compile(r"_Sec\d+$")
SectionsOf = Callable[[str], list[str]]


def units(passage: RankedPassage, unit: RelevanceUnit) -> list[str]:
    if unit is RelevanceUnit.SECTION:
        return [section_unit(passage.article_id, passage.section)]
    return list(passage.source_ids)


def article_keys(passage: RankedPassage, unit: RelevanceUnit) -> set[str]:
    """What "the expected article" means per unit: the corpus article, or the MedQuAD document."""
    if unit is RelevanceUnit.SECTION:
        return {passage.article_id}
    return {_SECTION_SUFFIX.sub("", source_id) for source_id in passage.source_ids}


def graded(judgments: Judgments, sections_of: SectionsOf) -> dict[str, int]:
    """Golden judgments get grade 1 for the other sections of an expected article (same article, other topic)."""
    grades = dict(judgments.grades)
    if judgments.unit is RelevanceUnit.SECTION:
        for article_id in judgments.expected_articles:
            for section in sections_of(article_id):
                grades.setdefault(section_unit(article_id, section), 1)
    return grades


@dataclass
class Scorer:
    judge: Judge
    vectors: CachedEmbedder

    def score(self, case: Case, system: str, output: SystemOutput, sections_of: SectionsOf) -> CaseResult:
        answer = output.answer
        problems: list[str] = []
        values = CaseMetrics(latency_ms=round(output.latency_ms, 2))
        if case.expected_status is not None:
            values.status_correct = float(answer.status is case.expected_status)
            if not values.status_correct:
                problems.append(f"expected {case.expected_status.value}, got {answer.status.value}")
        if case.judgments is not None:
            self._retrieval(case.judgments, output, sections_of, values, problems)
            values.lead_from_evidence = lead_from_evidence(case, output)
        citations = self._citations(answer, values, problems)
        self._content(case, answer, values, problems)
        return CaseResult(
            case_id=case.id,
            dataset=case.dataset,
            system=system,
            question=case.question,
            specialty=case.specialty,
            case_kind=case.case_kind,
            category=case.category,
            body_system=case.body_system,
            expected_status=case.expected_status,
            status=answer.status,
            answer=answer.answer,
            citations=citations,
            reference_count=len(answer.references),
            ranking=metrics.dedupe([u for p in output.ranking for u in units(p, _unit(case))])[:10],
            ranking_source=output.ranking_source,
            metrics=values,
            problems=problems,
        )

    def _retrieval(
        self,
        judgments: Judgments,
        output: SystemOutput,
        sections_of: SectionsOf,
        values: CaseMetrics,
        problems: list[str],
    ) -> None:
        grades = graded(judgments, sections_of)
        ranking = [u for p in output.ranking for u in units(p, judgments.unit)]
        rel = judgments.relevant_from
        values.ndcg_10 = metrics.ndcg_at_k(ranking, grades, 10)
        values.recall_10 = metrics.recall_at_k(ranking, grades, 10, rel)
        values.recall_50 = metrics.recall_at_k(ranking, grades, 50, rel)
        values.mrr = metrics.reciprocal_rank(ranking, grades, rel)
        expected = set(judgments.expected_articles)
        top = set().union(*(article_keys(p, judgments.unit) for p in output.ranking[:10]))
        values.article_hit_10 = float(bool(expected & top))
        cited = set().union(*(article_keys(p, judgments.unit) for p in output.cited))
        values.cited_article_hit = float(bool(expected & cited))
        if not values.recall_10:
            problems.append(f"no relevant passage in the top 10 (expected {', '.join(sorted(expected)[:3])})")
        elif not values.cited_article_hit:
            problems.append("the expected article was retrieved but not cited")

    def _citations(self, answer: FollowupAnswer, values: CaseMetrics, problems: list[str]) -> list[CitationOut]:
        values.citation_coverage = answer_text.citation_coverage(answer)
        if values.citation_coverage is not None and values.citation_coverage < 1:
            problems.append(f"{1 - values.citation_coverage:.0%} of the answer's sentences carry no citation")
        consistency = [p for p in consistency_problems(answer) if p != "no disclaimer"]
        listed = {r.n for r in answer.references}
        consistency += [
            f"citation {c.n} names references {c.reference_numbers} not all listed"
            for c in answer.citations
            if not set(c.reference_numbers) <= listed
        ]
        values.references_consistent = float(not consistency)
        problems.extend(f"reference list: {p}" for p in consistency)
        values.disclaimer_present = float(bool(answer.disclaimer.strip()))
        if not values.disclaimer_present:
            problems.append("no disclaimer")

        out: list[CitationOut] = []
        used: set[int] = set()
        for citation in answer.citations:
            claim = answer_text.cited_text(answer, tuple(citation.reference_numbers), used)
            supported = None
            if claim and _verbatim(claim, citation.quote):
                supported = True  # a sentence quoted word for word is supported by its quote
            elif claim:
                verdict = self.judge.judge(citation.quote, [claim])[0]
                supported = verdict.label is Label.ENTAILMENT
            out.append(
                CitationOut(
                    n=citation.n,
                    reference_numbers=citation.reference_numbers,
                    article_id=citation.article_id,
                    section=citation.section,
                    passage_id=citation.passage_id,
                    quote=citation.quote,
                    supported=supported,
                )
            )
        judged = [c.supported for c in out if c.supported is not None]
        values.citation_support = sum(judged) / len(judged) if judged else None
        if judged and not all(judged):
            problems.append(f"{judged.count(False)} citation(s) whose quote does not support the sentence")
        return out

    def _content(self, case: Case, answer: FollowupAnswer, values: CaseMetrics, problems: list[str]) -> None:
        content = answer_text.content_text(answer)
        if case.golden_answer:
            values.rouge_l_f1 = metrics.rouge_l_f1(content, case.golden_answer) if content else 0.0
            values.semantic_similarity = self.vectors.similarity(content, case.golden_answer) if content else 0.0
        statements: Sequence[str] = [*case.must_have, *case.nice_to_have]
        if not case.must_have:
            return
        verdicts = self.judge.judge(content, statements) if content else []
        if not verdicts:
            values.must_have_coverage, values.contradicted, values.contradicted_share = 0.0, 0.0, 0.0
            if answer.status is AnswerStatus.ANSWERED or case.expected_status is AnswerStatus.ANSWERED:
                problems.append("the answer states none of the must-have statements")
            return
        must = verdicts[: len(case.must_have)]
        covered = [v.label is Label.ENTAILMENT for v in must]
        values.must_have_coverage = sum(covered) / len(covered)
        contradicted = [(s, v) for s, v in zip(statements, verdicts, strict=True) if v.label is Label.CONTRADICTION]
        values.contradicted = float(len(contradicted))
        values.contradicted_share = len(contradicted) / len(statements)
        missing = [s for s, ok in zip(case.must_have, covered, strict=True) if not ok]
        if missing:
            shown = "; ".join(f"'{m[:80]}'" for m in missing[:3])
            problems.append(f"must-have not covered ({len(missing)}/{len(covered)}): {shown}")
        for statement, verdict in contradicted[:3]:
            problems.append(f"contradicts '{statement[:80]}' ({verdict.reason[:120]})")


# The grade from which a unit is evidence for the answer's lead: golden evidence sections are 2, and BEIR
# QA pairs graded 2 or 3 answer the question (1 is only related).
LEAD_GRADE = 2


def lead_from_evidence(case: Case, output: SystemOutput) -> float | None:
    """Whether the answer's first quoted passage is evidence (judge-free); None where no answer is expected."""
    judgments = case.judgments
    if judgments is None:
        return None
    if not output.cited:
        expects_answer = case.expected_status in (None, AnswerStatus.ANSWERED)
        return 0.0 if expects_answer else None
    lead = units(output.cited[0], judgments.unit)
    return float(any(judgments.grades.get(unit, 0) >= LEAD_GRADE for unit in lead))


def _verbatim(sentence: str, quote: str) -> bool:
    words = " ".join(metrics.tokens(sentence))
    return bool(words) and words in " ".join(metrics.tokens(quote))


def _unit(case: Case) -> RelevanceUnit:
    return case.judgments.unit if case.judgments else RelevanceUnit.SECTION


def failed(case: Case, system: str, error: str) -> CaseResult:
    """A case the system could not answer at all (an HTTP error, an exception): counted, never scored."""
    return CaseResult(
        case_id=case.id,
        dataset=case.dataset,
        system=system,
        question=case.question,
        specialty=case.specialty,
        case_kind=case.case_kind,
        category=case.category,
        body_system=case.body_system,
        expected_status=case.expected_status,
        error=error,
        problems=[f"error: {error}"],
    )
