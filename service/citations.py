"""Number citations per answer, build the reference list, and attach what every answer must carry.

`finalize` is the only way a FollowupAnswer is made: whatever a composer returned, the reference
list is derived from the passages actually quoted, and the disclaimer is attached here, by code.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

from ingest.models import Article, Chunk, Reference, ReviewStatus
from service import texts
from service.models import (
    AnswerStatus,
    Audience,
    Citation,
    DraftItem,
    FollowupAnswer,
    ReferenceEntry,
    RelatedQuestionOut,
)

# A marker is "[n]" not preceded by a backslash: quoted text has its own brackets escaped.
MARKER = re.compile(r"(?<!\\)\[(\d+)\]")


class UnknownPassageError(Exception):
    """A composer handed back a passage the index does not hold: it is never quoted."""


class CitationBook:
    """Gives each distinct work (same title, source and year) one number, in order of first use."""

    def __init__(self, articles: Mapping[str, Article], known: Callable[[Chunk], bool] | None = None) -> None:
        self._articles = articles
        self._known = known
        self._numbers: dict[tuple[str, str, int | None], int] = {}
        self.references: list[ReferenceEntry] = []
        self.citations: list[Citation] = []

    def cite(self, item: DraftItem) -> list[int]:
        """The reference numbers of the item's passage; a passage not in the index is refused."""
        chunk = item.passage.chunk
        if self._known is not None and not self._known(chunk):
            raise UnknownPassageError(f"passage {chunk.id!r} is not in the index")
        article = self._articles[chunk.article_id]
        numbers: list[int] = []
        entries: list[ReferenceEntry] = []
        for n in item.passage.reference_numbers:
            reference = article.reference(n)
            key = reference.identity()
            if key not in self._numbers:
                self._numbers[key] = len(self._numbers) + 1
                self.references.append(ReferenceEntry.numbered(self._numbers[key], reference))
            number = self._numbers[key]
            _complete(self.references[number - 1], reference)
            if number not in numbers:
                numbers.append(number)
                entries.append(self.references[number - 1])
        self.citations.append(
            Citation(
                n=len(self.citations) + 1,
                reference_numbers=numbers,
                article_id=article.id,
                article_title=article.title,
                section=chunk.section,
                passage_id=chunk.id,
                quote=chunk.text,
                references=entries,
            )
        )
        return numbers


def _complete(entry: ReferenceEntry, reference: Reference) -> None:
    """The same work cited by two articles: keep the DOI or URL that either one knows."""
    if entry.doi is None and reference.doi:
        entry.doi = reference.doi
    if entry.url is None and reference.url:
        entry.url = reference.url


def render_item(book: CitationBook, item: DraftItem) -> str:
    markers = "".join(f"[{n}]" for n in book.cite(item))
    return f"{escape_markdown(item.text)} {markers}".rstrip()


def escape_markdown(text: str) -> str:
    """Quoted text can hold brackets or asterisks; escape them so they are never read as markers."""
    return re.sub(r"([\\\[\]*_`])", r"\\\1", text)


def finalize(
    *,
    status: AnswerStatus,
    body: str,
    book: CitationBook,
    articles: Mapping[str, Article],
    audience: Audience,
    related: Sequence[RelatedQuestionOut],
    request_id: str,
    timings: dict[str, float],
) -> FollowupAnswer:
    cited_articles = list(dict.fromkeys(c.article_id for c in book.citations))
    unapproved = [articles[a].title for a in cited_articles if articles[a].review_status is not ReviewStatus.APPROVED]
    return FollowupAnswer(
        status=status,
        answer=body,
        citations=book.citations,
        references=book.references,
        related_questions=list(related),
        disclaimer=texts.disclaimer(audience),
        review_notice=texts.review_notice(unapproved) if unapproved else None,
        request_id=request_id,
        timings=timings,
    )


def consistency_problems(answer: FollowupAnswer) -> list[str]:
    """Every [n] in the text has reference n, every reference is cited, numbering is 1..N in first-use order."""
    problems: list[str] = []
    used = [int(n) for n in MARKER.findall(answer.answer)]
    listed = [r.n for r in answer.references]
    if listed != list(range(1, len(listed) + 1)):
        problems.append(f"references are not numbered 1..{len(listed)}: {listed}")
    if missing := sorted(set(used) - set(listed)):
        problems.append(f"markers without a reference: {missing}")
    if uncited := sorted(set(listed) - set(used)):
        problems.append(f"references never cited: {uncited}")
    first_use = list(dict.fromkeys(used))
    if first_use != sorted(first_use):
        problems.append(f"references are not numbered in order of first use: {first_use}")
    identities = [(r.title.casefold(), r.source.casefold(), r.year) for r in answer.references]
    if len(set(identities)) != len(identities):
        problems.append("the same work is listed twice")
    if not answer.disclaimer:
        problems.append("no disclaimer")
    return problems
