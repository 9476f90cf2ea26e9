"""Lead from evidence: the answer's first quote, judged against the case's evidence without a judge."""

from __future__ import annotations

from evals.datasets import section_unit
from evals.models import Case, DatasetKind, Judgments, RankedPassage, RelevanceUnit, SystemOutput
from evals.scoring import lead_from_evidence
from service.models import AnswerStatus, FollowupAnswer

EVIDENCE = Judgments(unit=RelevanceUnit.SECTION, grades={section_unit("a", "Treatment"): 2}, relevant_from=2)
CASE = Case(
    id="c",
    dataset="d",
    kind=DatasetKind.GOLDEN,
    question="q",
    expected_status=AnswerStatus.ANSWERED,
    judgments=EVIDENCE,
)


def output(*sections: str) -> SystemOutput:
    answer = FollowupAnswer(
        status=AnswerStatus.ANSWERED,
        answer="",
        citations=[],
        references=[],
        related_questions=[],
        disclaimer="d",
        request_id="r",
    )
    cited = [RankedPassage(passage_id=f"a:{i}", article_id="a", section=s) for i, s in enumerate(sections)]
    return SystemOutput(answer=answer, ranking=cited, cited=cited, latency_ms=1.0)


def test_first_quote_from_an_evidence_section_leads_from_evidence() -> None:
    assert lead_from_evidence(CASE, output("Treatment", "Diagnosis")) == 1.0


def test_evidence_quoted_second_does_not_count() -> None:
    assert lead_from_evidence(CASE, output("Diagnosis", "Treatment")) == 0.0


def test_an_answer_without_quotes_does_not_lead_from_evidence() -> None:
    assert lead_from_evidence(CASE, output()) == 0.0


def test_a_beir_qa_pair_graded_1_is_not_evidence_enough_to_lead() -> None:
    judgments = Judgments(unit=RelevanceUnit.SOURCE_ID, grades={"GHR_1_Sec1": 1, "GHR_1_Sec2": 2})
    case = CASE.model_copy(update={"judgments": judgments, "expected_status": None, "kind": DatasetKind.BEIR})
    quoted = output("x").model_copy(
        update={"cited": [RankedPassage(passage_id="p", article_id="m", section="x", source_ids=("GHR_1_Sec1",))]}
    )

    assert lead_from_evidence(case, quoted) == 0.0
