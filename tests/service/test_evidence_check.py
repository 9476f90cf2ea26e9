"""The evidence check over a real index: what it keeps between requests."""

from __future__ import annotations

import pytest

from service.answering import evidence_check
from service.answering.evidence_check import EvidenceCheck
from service.retrieval.index import LoadedIndex

QUESTION = "What dose of apixaban is used, and for how long?"


def test_the_evidence_check_keeps_only_the_most_recently_read_articles(
    index: LoadedIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(evidence_check, "READ_ARTICLES", 2)
    check = EvidenceCheck(index)
    for article_id in sorted(index.articles)[:4]:
        check.unaddressed(QUESTION, [], article_id)

    assert check._evidence_text.cache_info().currsize == 2


def test_an_article_read_again_after_being_dropped_gives_the_same_answer(
    index: LoadedIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, *others = sorted(index.articles)[:4]
    unbounded = EvidenceCheck(index).unaddressed(QUESTION, [], first)
    monkeypatch.setattr(evidence_check, "READ_ARTICLES", 1)
    check = EvidenceCheck(index)
    check.unaddressed(QUESTION, [], first)
    for article_id in others:
        check.unaddressed(QUESTION, [], article_id)

    assert check.unaddressed(QUESTION, [], first) == unbounded
