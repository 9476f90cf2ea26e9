"""`python -m evals.coverage_ceiling`: the must-have coverage quoting the evidence could reach at best."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.coverage_ceiling import ANSWERS, ceiling, main
from evals.judge import EmbeddingJudge
from evals.models import Case, DatasetKind, Evidence
from ingest.formats.native import load_native
from ingest.models import Article
from service.schema import AnswerStatus
from tests.ingest.articles import write_article

SEPSIS_BULLETS = (
    "Take blood cultures before antibiotics when this causes no delay [1]",
    "Start broad-spectrum antibiotics within one hour of recognition [1, 2]",
    "Give a crystalloid fluid bolus when lactate is raised [2]",
)
FLUIDS = "give a crystalloid fluid bolus when lactate is raised"


@pytest.fixture(scope="module")
def judge(embedder) -> EmbeddingJudge:
    return EmbeddingJudge(embedder)


@pytest.fixture
def sepsis(tmp_path: Path) -> Article:
    return load_native(write_article(tmp_path, "sepsis", bullets=SEPSIS_BULLETS, section="Treatment"))


def case(must_have: tuple[str, ...], status: AnswerStatus = AnswerStatus.ANSWERED) -> Case:
    return Case(
        id="c1",
        dataset="test",
        kind=DatasetKind.GOLDEN,
        question="how is sepsis treated first?",
        expected_status=status,
        must_have=must_have,
        evidence=(Evidence(article_id="sepsis", section="Treatment"),),
    )


def test_a_statement_beyond_the_first_k_passages_is_reached_only_by_quoting_more(
    sepsis: Article, judge: EmbeddingJudge
) -> None:
    found = ceiling([case((FLUIDS,))], [sepsis], judge, k=1)

    assert found.cases == 1
    assert found.mean(ANSWERS[0]) == 1.0  # every passage of the evidence section
    assert found.mean(ANSWERS[1]) == 0.0  # the first one only: blood cultures
    assert found.mean(ANSWERS[3]) == 1.0  # the oracle picks the fluid passage


def test_a_statement_no_passage_makes_caps_every_answer(sepsis: Article, judge: EmbeddingJudge) -> None:
    found = ceiling([case((FLUIDS, "amputate the affected limb above the knee"))], [sepsis], judge)

    assert all(found.mean(answer) == 0.5 for answer in ANSWERS)


def test_cases_that_expect_no_answer_are_not_counted(sepsis: Article, judge: EmbeddingJudge) -> None:
    found = ceiling([case((FLUIDS,), AnswerStatus.INSUFFICIENT_EVIDENCE), case(())], [sepsis], judge)

    assert found.cases == 0


def test_the_command_refuses_a_folder_without_articles(tmp_path: Path) -> None:
    assert main(["golden", "--corpus", str(tmp_path)]) == 2
