"""The golden set: corpus.jsonl is the concatenation of its parts, and every invariant holds."""

from __future__ import annotations

import pytest

from evals.golden_build import CORPUS_FILE, MIN_COUNTS, concatenate, corpus_articles, part_files, validate


@pytest.fixture(scope="module")
def validation():
    articles, _ = corpus_articles()
    return validate(part_files(), articles)


def test_corpus_jsonl_is_the_concatenation_of_the_parts():
    assert part_files(), "no parts under evals/golden/parts"
    assert CORPUS_FILE.read_text(encoding="utf-8") == concatenate(part_files()), (
        "evals/golden/corpus.jsonl is stale: run `python -m evals.golden_build`"
    )


def test_every_case_fits_the_schema_and_names_existing_articles_and_sections(validation):
    assert [str(issue) for issue in validation.issues] == []


@pytest.mark.parametrize("name", list(MIN_COUNTS))
def test_the_golden_set_holds_the_promised_number_of_cases(validation, name):
    assert validation.counts()[name] >= MIN_COUNTS[name]
