"""`python -m evals.summary_backing`: the judge reads each backed summary sentence against its backing claims."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.judge import EmbeddingJudge, Label
from evals.summary_backing import judge_backing, main
from ingest.formats.native import load_native
from tests.ingest.articles import write_article

SEPSIS_BULLETS = (
    "In septic shock give intravenous antimicrobials within one hour of recognition [1]",
    "Take blood cultures before antimicrobials when this causes no delay [2]",
)
SEPSIS_SUMMARY = (
    "In septic shock, give intravenous antimicrobials within one hour of recognition. "
    "Sepsis has always been a common reason for admission worldwide."
)


@pytest.fixture(scope="module")
def judge(embedder) -> EmbeddingJudge:
    return EmbeddingJudge(embedder)


def test_a_backed_sentence_is_judged_against_its_backing_and_an_unbacked_one_is_counted_only(
    tmp_path: Path, judge: EmbeddingJudge
) -> None:
    sepsis = load_native(write_article(tmp_path, "sepsis", summary=SEPSIS_SUMMARY, bullets=SEPSIS_BULLETS))
    other = load_native(write_article(tmp_path, "asthma"))

    report = judge_backing([sepsis, other], judge)

    assert report.sentences == 4  # two of sepsis, two of the asthma article's default summary
    assert report.backed == 1
    assert report.by_backing == {Label.ENTAILMENT: 1}
    assert sum(report.by_random_claims.values()) == 1
    assert report.not_entailed == []
    assert ("sepsis", "Sepsis has always been a common reason for admission worldwide.") in report.unbacked


def test_the_command_refuses_a_folder_without_articles(tmp_path: Path) -> None:
    assert main([str(tmp_path)]) == 2
