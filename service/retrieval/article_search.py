"""Article search for GET /v1/articles: question-index similarity, with exact title words first."""

from __future__ import annotations

from ingest.embedding import Embedder
from ingest.models import Article
from service.retrieval.index import LoadedIndex


def search_articles(index: LoadedIndex, embedder: Embedder, query: str, limit: int) -> list[tuple[Article, float]]:
    """Articles whose questions (own or related) are closest to `query`; a title or question containing
    the query verbatim ranks first."""
    query = " ".join(query.split())
    if not query:
        return [(index.articles[a], 0.0) for a in sorted(index.articles)[:limit]]
    best: dict[str, float] = {}
    if index.questions:
        for i, similarity in index.question_search(embedder.embed_query(query), limit * 4):
            article_id = index.questions[i].article_id
            best[article_id] = max(best.get(article_id, -1.0), similarity)
    folded = query.casefold()
    for article_id, text in index.folded_titles.items():
        if folded in text:
            best[article_id] = best.get(article_id, 0.0) + 1.0
    ranked = sorted(best.items(), key=lambda item: -item[1])[:limit]
    return [(index.articles[a], score) for a, score in ranked if a in index.articles]
