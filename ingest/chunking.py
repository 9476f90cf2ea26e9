"""Article -> claim-sized chunks: a bullet each, or one to three sentences of prose.

Bump CHUNKER_VERSION whenever the output changes: it is part of the index's collection names, so
passages cut one way are never mixed with passages cut another.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator

from ingest.models import SUMMARY_SECTION as SUMMARY_SECTION
from ingest.models import Article, Chunk, Claim, SourceFormat
from ingest.summary_backing import passage_citations

# c4: summary passages cite the references of the body claims that back them (ingest.summary_backing).
CHUNKER_VERSION = "c4"
MAX_SENTENCES = 3
# A passage stops growing past this many words, so long MedQuAD answers stay claim-sized.
TARGET_WORDS = 60
# A single "sentence" longer than this (a run-on list with no full stops) is cut into pieces.
MAX_SENTENCE_WORDS = 90

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]?\s+(?=[A-Z0-9\"'(\[])")
_ABBREVIATION = re.compile(r"\b(?:e\.g|i\.e|vs|etc|Dr|Mr|Mrs|Ms|St|Fig|No|approx|cf)\.$", re.IGNORECASE)
_ABBREVIATION_WINDOW = 16


def chunk_article(article: Article) -> list[Chunk]:
    chunks: list[Chunk] = []
    body_claims = [claim for section in article.sections for claim in section.claims]
    for section, group, text, claim in _passages(article):
        context = " - ".join(part for part in (section, group) if part)
        embed_text = f"{article.question}\n{context}\n{text}"
        # A summary passage cites nothing of its own: it cites what the body claims restating it cite.
        citations = claim.citations if claim else passage_citations(split_sentences(text), body_claims)
        chunks.append(
            Chunk(
                id=f"{article.id}:{len(chunks):04d}",
                article_id=article.id,
                article_title=article.title,
                section=section,
                text=text,
                embed_text=embed_text,
                citations=citations,
                source_ids=(claim.source_id,) if claim and claim.source_id else (),
                review_status=article.review_status,
                year=evidence_year(article, citations),
                specialty=article.specialty,
                reference_types=tuple(sorted({article.reference(n).type for n in citations})),
                position=len(chunks),
                content_hash=embedding_key(embed_text),
            )
        )
    return chunks


def evidence_year(article: Article, citations: tuple[int, ...]) -> int | None:
    """The year of a passage's evidence, for the `min_year` filter: its newest cited reference.

    A passage citing only a 2009 trial is 2009 evidence even when the article also cites a 2024
    guideline elsewhere. A passage that cites nothing (a summary, an uncited MedQuAD answer) is dated
    by the article's last update, the only date that speaks for it; with neither, the year is unknown
    and a year filter leaves the passage out.
    """
    years = [article.reference(n).year for n in citations]
    known = [year for year in years if year]
    if known:
        return max(known)
    return article.last_updated.year if article.last_updated else None


def embedding_key(embed_text: str) -> str:
    """Identical embedding input gives an identical vector, so this hash keys reusable embeddings."""
    return hashlib.sha256(embed_text.encode("utf-8")).hexdigest()[:32]


def _passages(article: Article) -> Iterator[tuple[str, str | None, str, Claim | None]]:
    # MedQuAD has no summary of its own (the loader takes it from the first answer): indexing it would
    # duplicate that answer's first passage.
    if article.source_format is not SourceFormat.MEDQUAD:
        for piece in split_prose(article.summary):
            yield SUMMARY_SECTION, None, piece, None
    for section in article.sections:
        for claim in section.claims:
            pieces = [claim.text] if article.source_format is SourceFormat.NATIVE else split_prose(claim.text)
            for piece in pieces:
                yield section.heading, claim.group, piece, claim


def split_sentences(text: str) -> list[str]:
    """Split prose at sentence ends, keeping abbreviations such as 'e.g.' inside their sentence."""
    sentences: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        candidate = text[start : match.start() + 1].strip()
        # Look only at the few characters before the full stop: searching the whole prefix made long
        # MedQuAD answers quadratic. The window is wider than the longest abbreviation, so the `\b`
        # before it still sees the preceding character and the result is unchanged.
        end = match.start()  # just after the full stop: `$` in _ABBREVIATION anchors there
        if _ABBREVIATION.search(text, max(0, end - _ABBREVIATION_WINDOW), end):
            continue
        if candidate:
            sentences.append(candidate)
        start = match.end()
    tail = text[start:].strip()
    if tail:
        sentences.append(tail)
    return [piece for sentence in sentences for piece in _cut_long(sentence)]


def split_prose(text: str) -> list[str]:
    """Group sentences into passages of one to three sentences and about TARGET_WORDS words."""
    passages: list[str] = []
    current: list[str] = []
    words = 0
    for sentence in split_sentences(" ".join(text.split())):
        size = len(sentence.split())
        if current and (len(current) >= MAX_SENTENCES or words + size > TARGET_WORDS):
            passages.append(" ".join(current))
            current, words = [], 0
        current.append(sentence)
        words += size
    if current:
        passages.append(" ".join(current))
    return passages


def _cut_long(sentence: str) -> list[str]:
    words = sentence.split()
    if len(words) <= MAX_SENTENCE_WORDS:
        return [sentence]
    step = TARGET_WORDS
    return [" ".join(words[i : i + step]) for i in range(0, len(words), step)]
