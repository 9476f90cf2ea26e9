"""LangChain building blocks over Vademecum: a retriever and document loaders.

`VademecumRetriever` is a `langchain_core` `BaseRetriever` over the service's own hybrid retrieval (dense +
BM25 + question index, fused and diversified, with the follow-up context rules of service.query), so a
LangChain app gets the passages the service would quote. `ArticleLoader` reads the three article formats
ingest reads (native `.md`, `.txt` article page, MedQuAD `.xml`, chosen by file ending as ingest does) as
LangChain Documents: one per passage, exactly as ingest chunks them, or one per article.

Every passage Document carries in `metadata`: `passage_id`, `article_id`, `article_title`, `section`,
`citations` (the article's reference numbers the passage cites), `references` (those references), plus
`review_status`, `specialty` and `year`; the retriever adds `similarity` and `score`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.document_loaders import BaseLoader
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, Field

from ingest.chunking import chunk_article
from ingest.embedding import Embedder, serving_embedder
from ingest.layout import DataDir
from ingest.loading import LOADERS, discover
from ingest.models import Article, Chunk
from ingest.settings import Settings, get_settings
from service.retrieval.index import LoadedIndex, open_index
from service.retrieval.query import resolve_query
from service.retrieval.retriever import Retriever
from service.schema import Filters, FollowupRequest


def passage_document(chunk: Chunk, article: Article, **scores: float) -> Document:
    """A passage as a LangChain Document: its text, and where it comes from and what it cites in `metadata`."""
    references = [article.reference(n).model_dump(mode="json") for n in chunk.citations]
    metadata: dict[str, Any] = {
        "passage_id": chunk.id,
        "article_id": chunk.article_id,
        "article_title": chunk.article_title,
        "section": chunk.section,
        "citations": list(chunk.citations),
        "references": references,
        "review_status": chunk.review_status.value,
        "specialty": chunk.specialty,
        "year": chunk.year,
        **scores,
    }
    return Document(page_content=chunk.text, id=chunk.id, metadata=metadata)


class VademecumRetriever(BaseRetriever):
    """The passages the service would quote for a question, best first.

    `VademecumRetriever.from_settings()` opens the active index of `VADEMECUM_DATA_DIR`; or pass a
    `service.retrieval.Retriever` you already have. `k` passages are returned (`invoke(query, k=...)`
    overrides it); `article_id` names the article being read, so that a short follow-up ("and in
    pregnancy?") is searched with its question, as the service does; `filters` narrows the search.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    retriever: Retriever = Field(exclude=True)
    k: int = Field(default=4, ge=1, le=50)
    article_id: str | None = None
    filters: Filters | None = None

    @classmethod
    def from_settings(
        cls, settings: Settings | None = None, embedder: Embedder | None = None, **fields: Any
    ) -> VademecumRetriever:
        """A retriever over the active index version that `settings` (default: the environment's) points to."""
        settings = settings or get_settings()
        data_dir = DataDir(settings.data_dir)
        model = embedder or serving_embedder(data_dir, settings.embedding, settings.service.encoder_threads)
        index = open_index(data_dir, model, settings.chroma)
        return cls(retriever=Retriever(index, model), **fields)

    @property
    def index(self) -> LoadedIndex:
        return self.retriever.index

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, k: int | None = None
    ) -> list[Document]:
        wanted = k or self.k
        request = FollowupRequest(question=query, article_id=self.article_id, filters=self.filters)
        article = self.index.articles.get(self.article_id) if self.article_id else None
        resolved = resolve_query(request, article.question if article else None)
        retrieval = self.retriever.retrieve(resolved, top_k=wanted)
        return [
            passage_document(
                passage.chunk,
                self.index.articles[passage.chunk.article_id],
                similarity=round(passage.similarity, 4),
                score=round(passage.score, 6),
            )
            for passage in retrieval.passages[:wanted]
        ]


class ArticleLoader(BaseLoader):
    """Articles from a file or a folder in any format ingest reads, as LangChain Documents.

    `mode="passages"` (default): one Document per passage, as ingest chunks the article for the index.
    `mode="article"`: one Document per article, its text as Markdown with [n] markers, metadata the article's.
    A file that is not a valid article raises ingest's `ArticleLoadError`, naming the file and the problem.
    """

    def __init__(self, path: str | Path, mode: Literal["passages", "article"] = "passages") -> None:
        self.path = Path(path)
        self.mode = mode

    def lazy_load(self) -> Iterator[Document]:
        for file in discover([self.path]):
            loader = LOADERS.get(file.suffix.lower())
            if loader is None:
                raise ValueError(f"{file}: not an article format ({', '.join(sorted(LOADERS))})")
            article = loader(file)
            if self.mode == "article":
                yield article_document(article)
            else:
                for chunk in chunk_article(article):
                    yield passage_document(chunk, article)


def article_document(article: Article) -> Document:
    lines = [f"# {article.title}", "", article.question, "", article.summary]
    for section in article.sections:
        lines += ["", f"## {section.heading}", ""]
        lines += [f"- {claim.text} {''.join(f'[{n}]' for n in claim.citations)}".rstrip() for claim in section.claims]
    metadata: dict[str, Any] = {
        "article_id": article.id,
        "article_title": article.title,
        "question": article.question,
        "specialty": article.specialty,
        "review_status": article.review_status.value,
        "source_format": article.source_format.value,
        "source": article.source_path,
        "references": [reference.model_dump(mode="json") for reference in article.references],
    }
    return Document(page_content="\n".join(lines), id=article.id, metadata=metadata)
