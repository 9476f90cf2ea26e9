"""The LangChain retriever over the corpus index (with langchain-tests' standard retriever tests) and the
document loaders for the three article formats."""

from __future__ import annotations

from pathlib import Path

import pytest
from langchain_core.documents import Document
from langchain_tests.integration_tests import RetrieversIntegrationTests

from ingest.chunking import chunk_article
from ingest.embedding import Embedder
from ingest.formats.native import load_native
from ingest.models import ArticleLoadError
from ingest.settings import Settings
from service.integrations.langchain import ArticleLoader, VademecumRetriever
from service.retrieval.index import LoadedIndex
from tests.conftest import CORPUS
from tests.ingest.articles import write_article, write_invalid
from tests.ingest.page_text_pages import PAGE
from tests.ingest.test_format_medquad import DOCUMENT
from tests.service.helpers import ANSWERED

AF_QUESTION = ANSWERED["question"]
AF_ARTICLE = "atrial-fibrillation-anticoagulation"


@pytest.fixture(scope="module")
def corpus_retriever(settings: Settings, embedder: Embedder) -> VademecumRetriever:
    return VademecumRetriever.from_settings(settings, embedder=embedder)


# The contract's async test runs on anyio's pytest plugin (asyncio backend); the sync tests are unaffected.
@pytest.mark.anyio
class TestStandardRetriever(RetrieversIntegrationTests):
    """langchain-tests' contract for retrievers: k in the constructor and in invoke, Documents sync and async."""

    @pytest.fixture(autouse=True)
    def _opened(self, corpus_retriever: VademecumRetriever) -> None:
        self.opened = corpus_retriever

    @property
    def retriever_constructor(self) -> type[VademecumRetriever]:
        return VademecumRetriever

    @property
    def retriever_constructor_params(self) -> dict[str, object]:
        return {"retriever": self.opened.retriever}

    @property
    def retriever_query_example(self) -> str:
        return AF_QUESTION


def test_passages_come_best_first_with_their_provenance(corpus_retriever: VademecumRetriever) -> None:
    documents = corpus_retriever.invoke(AF_QUESTION)

    assert documents[0].metadata["article_id"] == AF_ARTICLE
    assert any("preferred over warfarin" in d.page_content for d in documents)
    similarities = [d.metadata["similarity"] for d in documents]
    assert all(isinstance(s, float) for s in similarities)


def test_metadata_matches_the_indexed_passage_and_its_references(corpus_retriever: VademecumRetriever) -> None:
    index: LoadedIndex = corpus_retriever.index

    for document in corpus_retriever.invoke(AF_QUESTION, k=6):
        chunk = index.chunks[index.rows[document.metadata["passage_id"]]]
        article = index.articles[chunk.article_id]
        assert document.id == chunk.id and document.page_content == chunk.text
        assert document.metadata["section"] == chunk.section
        assert document.metadata["article_title"] == article.title
        assert document.metadata["citations"] == list(chunk.citations)
        assert [r["n"] for r in document.metadata["references"]] == list(chunk.citations)
        assert [r["title"] for r in document.metadata["references"]] == [
            article.reference(n).title for n in chunk.citations
        ]


def test_article_being_read_gives_a_short_follow_up_its_context(corpus_retriever: VademecumRetriever) -> None:
    reading = corpus_retriever.model_copy(update={"article_id": AF_ARTICLE})

    top = reading.invoke("and in pregnancy?", k=1)[0]

    assert top.metadata["article_id"] == AF_ARTICLE and "pregnancy" in top.page_content.lower()


# --- loaders ------------------------------------------------------------------------------------------


def test_native_article_loads_as_the_passages_ingest_indexes(tmp_path: Path) -> None:
    path = write_article(tmp_path, "test-article")

    documents = ArticleLoader(path).load()

    chunks = chunk_article(load_native(path))
    assert [d.id for d in documents] == [c.id for c in chunks]
    assert [d.page_content for d in documents] == [c.text for c in chunks]
    assert all(d.metadata["article_id"] == "test-article" for d in documents)


def test_corpus_article_passages_carry_their_references() -> None:
    documents = ArticleLoader(CORPUS / f"{AF_ARTICLE}.md").load()

    cited = [d for d in documents if d.metadata["citations"]]
    assert cited
    for document in cited:
        assert [r["n"] for r in document.metadata["references"]] == document.metadata["citations"]


def test_article_mode_gives_one_document_per_article_with_markers(tmp_path: Path) -> None:
    write_article(tmp_path, "first-article")
    write_article(tmp_path, "second-article")

    documents = ArticleLoader(tmp_path, mode="article").load()

    assert [d.id for d in documents] == ["first-article", "second-article"]
    assert all(isinstance(d, Document) and "[1]" in d.page_content for d in documents)
    assert documents[0].metadata["references"] and documents[0].metadata["source_format"] == "native"


def test_article_page_text_loads(tmp_path: Path) -> None:
    path = tmp_path / "community-acquired-pneumonia.txt"
    path.write_text(PAGE, encoding="utf-8")

    documents = ArticleLoader(path).load()

    assert documents and {d.metadata["article_id"] for d in documents} == {"community-acquired-pneumonia"}
    assert any(d.metadata["citations"] for d in documents)


def test_medquad_document_loads(tmp_path: Path) -> None:
    path = tmp_path / "0000123.xml"
    path.write_text(DOCUMENT, encoding="utf-8")

    documents = ArticleLoader(path, mode="article").load()

    assert len(documents) == 1 and documents[0].metadata["source_format"] == "medquad"
    assert "Rest & fluids are advised." in documents[0].page_content


def test_invalid_article_raises_the_ingest_error_naming_the_problem(tmp_path: Path) -> None:
    path = write_invalid(tmp_path)

    with pytest.raises(ArticleLoadError, match="7"):
        ArticleLoader(path).load()


def test_a_file_of_no_article_format_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.docx"
    path.write_bytes(b"not an article")

    with pytest.raises(ValueError, match="not an article format"):
        ArticleLoader(path).load()
