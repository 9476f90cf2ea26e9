"""What the relevance model reads about each retrieved candidate: one row of numbers per passage.

Every feature is computed from the candidate set itself (no per-corpus constant), so a model trained on
MedQuAD questions ranks the bundled corpus's passages on the same scale:

- `dense`, `dense_gap`, `dense_rank`: cosine of the searched text to the passage, its distance below the
  best candidate's, and its rank among the candidates (10 / (10 + rank));
- `focus`: for an elliptical follow-up, cosine of the question alone to the passage (else 0);
- `heading`, `heading_gap`, `heading_rank`: the same for the passage's section heading (`ingest.sections`),
  the unit a question names: a MedQuAD QA pair's own question, a page's "First-Line Treatment";
- `asked_heading_gap`, `asked_heading_cover`: `heading_gap` and `heading_cover` again, but only where
  the heading is itself a question (else 0). A heading that asks what the section answers is far
  stronger evidence than a topic label, and this lets one linear model weigh the two kinds apart;
- `bm25_share`, `bm25_rank`: BM25 as a share of the best candidate's, and its rank;
- `fused_share`: retrieval's reciprocal-rank fusion with the question-index votes and the reading prior;
- `article_vote`: the best question-index similarity pointing at the passage's article;
- `reading`: the passage belongs to the article being read;
- `title_cover`, `heading_cover`, `text_cover`: the share of the question's own content words (stemmed)
  found in the article title, the section heading, the passage;
- `first_in_section`, `length`: the section's opening passage (where definitions and direct answers sit),
  and log word count (a two-word fragment rarely answers).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ingest.bm25 import stemmer
from ingest.models import Chunk
from ingest.sections import is_question_heading

__all__ = ["FEATURES", "STOPWORDS", "CandidateEvidence", "candidate_features", "content_stems"]

FEATURES: tuple[str, ...] = (
    "dense",
    "dense_gap",
    "dense_rank",
    "focus",
    "heading",
    "heading_gap",
    "heading_rank",
    "asked_heading_gap",
    "asked_heading_cover",
    "bm25_share",
    "bm25_rank",
    "fused_share",
    "article_vote",
    "reading",
    "title_cover",
    "heading_cover",
    "text_cover",
    "first_in_section",
    "length",
)

_WORD = re.compile(r"[a-z0-9]+")
# NLTK's English stopwords as bm25s lists them (bm25s.stopwords.STOPWORDS_EN_PLUS), written out: the serving
# process does not import bm25s (see ingest.bm25). tests/service/test_relevance.py checks the copy.
STOPWORDS = frozenset(
    (
        "a about above after again against ain all am an and any are aren aren't as at be because been before "
        "being below between both but by can couldn couldn't d did didn didn't do does doesn doesn't doing don "
        "don't down during each few for from further had hadn hadn't has hasn hasn't have haven haven't having he "
        "her here hers herself him himself his how i if in into is isn isn't it it's its itself just ll m ma me "
        "mightn mightn't more most mustn mustn't my myself needn needn't no nor not now o of off on once only or "
        "other our ours ourselves out over own re s same shan shan't she she's should should've shouldn shouldn't "
        "so some such t than that that'll the their theirs them themselves then there these they this those "
        "through to too under until up ve very was wasn wasn't we were weren weren't what when where which while "
        "who whom why will with won won't wouldn wouldn't y you you'd you'll you're you've your yours yourself "
        "yourselves"
    ).split()
)


def content_stems(text: str) -> set[str]:
    """Stemmed words of `text` without stopwords: what "the question's words appear here" compares."""
    words = [w for w in _WORD.findall(text.casefold()) if w not in STOPWORDS]
    return set(stemmer().stemWords(words))


@dataclass(frozen=True)
class CandidateEvidence:
    """Everything retrieval measured about its candidates, row-aligned with `chunks`."""

    question: str
    chunks: Sequence[Chunk]
    dense: np.ndarray
    focus: np.ndarray | None
    heading: np.ndarray | None
    bm25: np.ndarray
    fused: np.ndarray
    article_votes: dict[str, float]
    reading: str | None
    first_in_section: np.ndarray


def candidate_features(evidence: CandidateEvidence) -> np.ndarray:
    """A (candidates x len(FEATURES)) float32 matrix, columns in FEATURES order."""
    count = len(evidence.chunks)
    if count == 0:
        return np.zeros((0, len(FEATURES)), dtype=np.float32)
    zeros = np.zeros(count, dtype=np.float32)
    heading = evidence.heading if evidence.heading is not None else zeros
    asked = content_stems(evidence.question)
    titles: dict[str, set[str]] = {}
    headings: dict[tuple[str, str], set[str]] = {}
    title_cover, heading_cover, text_cover, length = (np.zeros(count, dtype=np.float32) for _ in range(4))
    for i, chunk in enumerate(evidence.chunks):
        title_words = titles.setdefault(chunk.article_id, content_stems(chunk.article_title))
        heading_words = headings.setdefault((chunk.article_id, chunk.section), content_stems(chunk.section))
        text_words = content_stems(chunk.text)
        if asked:
            title_cover[i] = len(asked & title_words) / len(asked)
            heading_cover[i] = len(asked & heading_words) / len(asked)
            text_cover[i] = len(asked & text_words) / len(asked)
        length[i] = np.log1p(len(chunk.text.split())) / 5.0
    asked_headings = np.array([is_question_heading(c.section) for c in evidence.chunks])
    columns = {
        "dense": evidence.dense,
        "dense_gap": evidence.dense - evidence.dense.max(),
        "dense_rank": _rank_share(evidence.dense),
        "focus": evidence.focus if evidence.focus is not None else zeros,
        "heading": heading,
        "heading_gap": heading - heading.max(),
        "heading_rank": _rank_share(heading) if evidence.heading is not None else zeros,
        "asked_heading_gap": np.where(asked_headings, heading - heading.max(), 0.0),
        "asked_heading_cover": np.where(asked_headings, heading_cover, 0.0),
        "bm25_share": _share(evidence.bm25),
        "bm25_rank": np.where(evidence.bm25 > 0, _rank_share(evidence.bm25), 0.0),
        "fused_share": _share(evidence.fused),
        "article_vote": np.array([evidence.article_votes.get(c.article_id, 0.0) for c in evidence.chunks]),
        "reading": np.array([1.0 if c.article_id == evidence.reading else 0.0 for c in evidence.chunks]),
        "title_cover": title_cover,
        "heading_cover": heading_cover,
        "text_cover": text_cover,
        "first_in_section": evidence.first_in_section,
        "length": length,
    }
    return np.column_stack([np.asarray(columns[name], dtype=np.float32) for name in FEATURES])


def _share(values: np.ndarray) -> np.ndarray:
    best = float(values.max())
    return values / best if best > 0 else np.zeros_like(values)


def _rank_share(values: np.ndarray) -> np.ndarray:
    """10 / (10 + rank) of each value among the candidates (rank 0 is the highest; ties share the better rank)."""
    order = np.argsort(-values, kind="stable")
    ranks = np.empty(len(values), dtype=np.float32)
    ranks[order] = np.arange(len(values), dtype=np.float32)
    return 10.0 / (10.0 + ranks)
