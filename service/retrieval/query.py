"""Resolve a follow-up question with its context, without a language model.

"And in pregnancy?" means nothing alone. When a question is elliptical (short, starts like a
continuation, or leans on a pronoun), the previous user turn and the question of the article being
read are added to the text that is searched; a self-contained question is searched as it is.

The question alone stays available as the query's `focus`: retrieval also ranks the passages of the
article being read against it, so that the follow-up's own words ("pregnancy") pick the passage
within the article, while the context keeps the search on the article's topic.
"""

from __future__ import annotations

import re

from service.handoffs import Query
from service.schema import Filters, FollowupRequest

_CONTINUATION = re.compile(
    r"^\s*(and|but|or|also|so|then|what about|how about|what if|in|for|during|with|without|after|before|"
    r"is it|is that|are they|does it|does that|can it|can they|should it|should they|which one|same|why|"
    r"how long|how often|how much|what dose|which dose|at what|any)\b",
    re.IGNORECASE,
)
_PRONOUN = re.compile(
    r"\b(it|this|that|they|them|those|these|its|their|there|such|he|she|him|her|his|the drug|the dose|"
    r"the same|this one|that one)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[A-Za-z0-9]+")
SHORT_QUESTION_WORDS = 7
CONTEXT_CHARS = 240


def is_elliptical(question: str) -> bool:
    words = _WORD.findall(question)
    return (
        len(words) <= SHORT_QUESTION_WORDS
        or bool(_CONTINUATION.match(question))
        or (len(words) <= 14 and bool(_PRONOUN.search(question)))
    )


def resolve_query(request: FollowupRequest, article_question: str | None) -> Query:
    """The text to search: the question, plus its context when the question depends on it."""
    question = " ".join(request.question.split())
    context: list[str] = []
    elliptical = is_elliptical(question)
    if elliptical:
        previous = [turn.content for turn in request.history if turn.role == "user"]
        if previous:
            context.append(" ".join(previous[-1].split())[:CONTEXT_CHARS])
        if article_question and article_question not in context:
            context.append(article_question)
    text = " ".join([question, *context])
    return Query(
        question=question,
        text=text,
        article_id=request.article_id,
        context_used=context,
        filters=request.filters or Filters(),
        elliptical=elliptical and bool(context),
    )
