"""GET /v1/articles/{id} and GET /v1/articles?q=... (search by question and title)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel

from ingest.models import ARTICLE_ID_PATTERN, Article
from service.api.deps import IndexDep, StateDep
from service.http.errors import ApiError
from service.retrieval.article_search import search_articles

router = APIRouter(prefix="/v1", tags=["articles"])


class ArticleHit(BaseModel):
    id: str
    title: str
    question: str
    specialty: str
    score: float


class ArticleSearch(BaseModel):
    query: str
    total: int
    results: list[ArticleHit]


@router.get("/articles/{article_id}", response_model=Article, summary="One article with its references")
def get_article(
    article_id: Annotated[str, Path(pattern=ARTICLE_ID_PATTERN, max_length=128)], index: IndexDep
) -> Article:
    article = index.articles.get(article_id)
    if article is None:
        raise ApiError(404, "not_found", f"no article {article_id!r}")
    return article.model_copy(update={"source_path": None})


@router.get("/articles", response_model=ArticleSearch, summary="Search articles by their question and title")
def list_articles(
    index: IndexDep,
    state: StateDep,
    q: Annotated[str, Query(max_length=500)] = "",
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> ArticleSearch:
    hits = search_articles(index, state.query_embedder or state.embedder, q, limit)
    return ArticleSearch(
        query=q,
        total=len(hits),
        results=[
            ArticleHit(id=a.id, title=a.title, question=a.question, specialty=a.specialty, score=round(s, 4))
            for a, s in hits
        ],
    )
