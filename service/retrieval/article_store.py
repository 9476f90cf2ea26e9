"""The articles of an opened index, kept compressed; an `Article` is built when a request reads it.

5,535 `Article` objects (MedQuAD + corpus) held about 90 MB, while a request reads a handful: the article
being read, the cited ones. `ArticleStore` keeps each article as its compressed JSON (about 11 MB for the same
index) and validates it back into an `Article` on reading, the most recently read ones kept built. Each
article's title and question, which checks over every article read, stay at hand (`headings`).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache

from ingest.models import Article

__all__ = ["ArticleStore"]

# Articles kept built: the ones a few minutes of follow-ups read, a few MB even for MedQuAD's long articles.
CACHED_ARTICLES = 256


class ArticleStore(Mapping[str, Article]):
    """Article id -> `Article`, read-only, in the order the articles were given."""

    def __init__(self, articles: Iterable[Article], cached: int = CACHED_ARTICLES) -> None:
        """Consumes `articles` one at a time, so a reader can stream them from disk without a list of all."""
        self._packed: dict[str, bytes] = {}
        # Article id -> (title, question).
        self.headings: dict[str, tuple[str, str]] = {}
        for article in articles:
            self._packed[article.id] = zlib.compress(article.model_dump_json().encode("utf-8"))
            self.headings[article.id] = (article.title, article.question)
        self._built = lru_cache(maxsize=cached)(self._build)

    def __getitem__(self, article_id: str) -> Article:
        if article_id not in self._packed:
            raise KeyError(article_id)
        return self._built(article_id)

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._packed

    def __len__(self) -> int:
        return len(self._packed)

    def __iter__(self) -> Iterator[str]:
        return iter(self._packed)

    def _build(self, article_id: str) -> Article:
        return Article.model_validate_json(zlib.decompress(self._packed[article_id]))
