"""The BM25 read side (ingest.bm25.Bm25Index) scores exactly as bm25s, which builds the index at ingest.

The serving process reads the saved matrix with numpy alone; these tests hold it to bm25s's own tokeniser
and `get_scores` over the bundled corpus's passages, so a bm25s upgrade that changes either shows here.
"""

from __future__ import annotations

from pathlib import Path

import bm25s
import numpy as np
import pytest
from bm25s.stopwords import STOPWORDS_EN

from ingest.bm25 import STOPWORDS, Bm25Index, build_bm25, query_tokens, stemmer
from ingest.chunking import chunk_article
from ingest.loading import load_inputs
from tests.conftest import CORPUS

QUERIES = [
    "What is first line for uncomplicated UTI in women?",
    "how is sepsis treated initially",
    "LMWH dose in CKD, and anti-Xa monitoring?",
    "pt w/ K+ 7.1 & peaked T waves - what now??",
    "naïve patients: 5 µg/kg — ok?",
    "the and of to",  # stopwords only
    "zzzz qqqq",  # nothing indexed
]


@pytest.fixture(scope="module")
def texts() -> list[str]:
    articles = load_inputs([CORPUS]).articles[:20]
    return [chunk.embed_text for article in articles for chunk in chunk_article(article)]


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory, texts: list[str]) -> Path:
    directory = tmp_path_factory.mktemp("bm25")
    build_bm25(texts, directory)
    return directory


def test_stopwords_are_bm25s_english_list() -> None:
    assert frozenset(STOPWORDS_EN) == STOPWORDS


@pytest.mark.parametrize("query", QUERIES)
def test_query_tokens_are_bm25s_tokens(query: str) -> None:
    ours = query_tokens(query)
    theirs = bm25s.tokenize([query], stopwords="en", stemmer=stemmer(), show_progress=False, return_ids=False)[0]

    assert ours == [t for t in theirs if t]  # bm25s stands an empty token in for a query with none


@pytest.mark.parametrize("query", QUERIES)
def test_scores_equal_bm25s_scores(saved: Path, query: str) -> None:
    reference = bm25s.BM25.load(str(saved))
    tokens = query_tokens(query)
    expected = reference.get_scores(tokens) if tokens else np.zeros(reference.scores["num_docs"], np.float32)

    scores = Bm25Index(saved).scores(query)

    assert scores.dtype == np.float32
    np.testing.assert_array_equal(scores, expected)


def test_a_query_with_indexed_words_scores_some_passages(saved: Path, texts: list[str]) -> None:
    scores = Bm25Index(saved).scores("sepsis antibiotics within one hour")

    assert len(scores) == len(texts)
    assert scores.max() > 0


def test_an_index_scored_by_another_method_is_refused(saved: Path, tmp_path: Path) -> None:
    other = bm25s.BM25(method="bm25+")
    other.index(bm25s.tokenize(["one passage", "another passage"], show_progress=False), show_progress=False)
    other.save(str(tmp_path))

    with pytest.raises(ValueError, match="bm25\\+ BM25 index"):
        Bm25Index(tmp_path)
