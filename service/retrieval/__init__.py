"""Finding passages (and articles) for a question: everything between a resolved question and ranked evidence.

`index` (an index version opened for reading), `query` (a follow-up resolved with its context),
`query_embedding` (concurrent requests share the model's forward passes), `query_vectors` (a question's
search vector from as few forward passes as possible), `retriever` (hybrid dense + BM25 passage
retrieval), `filters` (the request's filters as conditions on a passage), `summaries` (the summary passages
of the articles found, for the composer) and `article_search` (GET /v1/articles).
"""

__all__ = [
    "article_search",
    "filters",
    "index",
    "query",
    "query_embedding",
    "query_vectors",
    "retriever",
    "summaries",
]
