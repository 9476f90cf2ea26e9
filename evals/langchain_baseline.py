"""The naive LangChain pipeline that evals.bench_service measures next to the service.

    .venv/bin/python -m evals.langchain_baseline DATA_DIR --port PORT

One FastAPI route around `Chroma.similarity_search(k=4)` over the active version of DATA_DIR, with
the same embedder, as a naive RAG retriever would be written. No hybrid retrieval, safety checks,
composition or logging: the floor a pipeline costs on this machine.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel


def serve_baseline(data_dir: Path, port: int) -> None:
    """A FastAPI route around `Chroma.similarity_search(k=4)`, as a naive RAG retriever would be written."""
    import chromadb
    import torch
    import uvicorn
    from chromadb.config import Settings as ChromaClientSettings
    from fastapi import FastAPI
    from langchain_chroma import Chroma
    from langchain_core.embeddings import Embeddings

    from ingest.embedding import SentenceTransformerEmbedder
    from ingest.layout import DataDir
    from ingest.version import CHROMA_DIR, read_manifest

    torch.set_num_threads(1)
    directory = DataDir(data_dir).active_version_dir()
    manifest = read_manifest(directory)
    embedder = SentenceTransformerEmbedder()

    class SameEmbedder(Embeddings):
        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return [list(map(float, v)) for v in embedder.embed_documents(texts)]

        def embed_query(self, text: str) -> list[float]:
            return [float(x) for x in embedder.embed_query(text)]

    client = chromadb.PersistentClient(
        path=str(directory / CHROMA_DIR), settings=ChromaClientSettings(anonymized_telemetry=False)
    )
    store = Chroma(
        collection_name=manifest.passages_collection,
        embedding_function=SameEmbedder(),
        client=client,
        create_collection_if_not_exists=False,
    )
    store.similarity_search("warm up", k=4)
    app = FastAPI()

    @app.get("/readyz")
    def readyz() -> dict[str, bool]:
        return {"ready": True}

    @app.post("/search")
    def search(body: Search) -> dict[str, Any]:
        documents = store.similarity_search(body.question, k=4)
        return {"passages": [{"text": d.page_content, "metadata": d.metadata} for d in documents]}

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


class Search(BaseModel):
    """The baseline's request body (module level, so FastAPI can resolve it as a body model)."""

    question: str


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.langchain_baseline", description=__doc__.split("\n\n")[0])
    parser.add_argument("data_dir", type=Path, help="a vademecum data directory with an active version")
    parser.add_argument("--port", type=int, required=True, help="port on 127.0.0.1")
    args = parser.parse_args(argv)
    serve_baseline(args.data_dir, args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
