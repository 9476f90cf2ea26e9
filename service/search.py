"""Article search for GET /v1/articles: question-index similarity, with exact title words first."""

from __future__ import annotations

import numpy as np

from ingest.embedding import Embedder
from ingest.models import Article
from service.index import LoadedIndex


def search_articles(index: LoadedIndex, embedder: Embedder, query: str, limit: int) -> list[tuple[Article, float]]:
    query = " ".join(query.split())
    if not query:
        ordered = sorted(index.articles.values(), key=lambda a: a.id)
        return [(a, 0.0) for a in ordered[:limit]]
    best: dict[str, float] = {}
    if index.questions:
        similarities = index.question_vectors @ embedder.embed_query(query)
        for i in np.argsort(-similarities)[: limit * 4]:
            question = index.questions[int(i)]
            best[question.article_id] = max(best.get(question.article_id, -1.0), float(similarities[i]))
    folded = query.casefold()
    for article in index.articles.values():
        if folded in article.title.casefold() or folded in article.question.casefold():
            best[article.id] = best.get(article.id, 0.0) + 1.0
    ranked = sorted(best.items(), key=lambda item: -item[1])[:limit]
    return [(index.articles[a], score) for a, score in ranked if a in index.articles]
