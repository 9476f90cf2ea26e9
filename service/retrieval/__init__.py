"""Finding passages (and articles) for a question: everything between a resolved question and ranked evidence.

`index` (an index version opened for reading), `query` (a follow-up resolved with its context),
`query_embedding` (concurrent requests share the model's forward passes), `query_vectors` (a question's
search vector from as few forward passes as possible), `retriever` (hybrid dense + BM25 passage
retrieval), `filters` (the request's filters as conditions on a passage), `companions` (passages handed to
the composer beside the ranking: the summaries of the articles found, the rest of the ranked sections) and
`article_search` (GET /v1/articles).
"""

__all__ = [
    "article_search",
    "companions",
    "filters",
    "index",
    "query",
    "query_embedding",
    "query_vectors",
    "retriever",
]
