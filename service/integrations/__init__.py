"""Vademecum inside other frameworks: `langchain` offers the hybrid retrieval as a LangChain retriever and the
article formats as LangChain document loaders."""

from service.integrations.langchain import ArticleLoader, VademecumRetriever, passage_document

__all__ = ["ArticleLoader", "VademecumRetriever", "passage_document"]
