"""`vademecum serve` (HTTP on 127.0.0.1:8000) and `vademecum ask` (one answer in the terminal)."""

from __future__ import annotations

import argparse
import shutil
import sys
import textwrap
import uuid
from typing import Any

from ingest.embedding import SentenceTransformerEmbedder
from ingest.layout import DataDir, IndexBusyError
from ingest.pipeline import run_ingest
from ingest.settings import Settings, get_settings
from service.models import Audience, FollowupAnswer, FollowupRequest


def register(commands: Any) -> None:
    serve = commands.add_parser("serve", help="serve the HTTP API (ingests corpus/ first when it changed)")
    serve.add_argument("--host", help="default: settings (127.0.0.1)")
    serve.add_argument("--port", type=int, help="default: settings (8000)")
    serve.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    serve.add_argument("--no-ingest", action="store_true", help="serve the index as it is")
    serve.set_defaults(run=run_serve)

    ask = commands.add_parser("ask", help="answer one question in the terminal")
    ask.add_argument("question")
    ask.add_argument("--article", help="id of the article being read")
    ask.add_argument("--patient", action="store_true", help="answer for a patient rather than a clinician")
    ask.add_argument("--json", action="store_true", help="print the JSON response")
    ask.set_defaults(run=run_ask)


def ensure_index(settings: Settings) -> None:
    """Bring the index up to date with corpus/: a no-op in milliseconds when nothing changed."""
    if not settings.corpus_dir.is_dir():
        return
    embedder = SentenceTransformerEmbedder(settings.embedding.model)
    try:
        report = run_ingest(
            [settings.corpus_dir], data_dir=DataDir(settings.data_dir), embedder=embedder, chroma=settings.chroma
        )
    except IndexBusyError as error:
        print(f"vademecum: not ingesting: {error}", file=sys.stderr)
        return
    if report.version:
        print(f"vademecum: ingested {settings.corpus_dir} into index version {report.version}", file=sys.stderr)
    for issue in report.rejected:
        print(f"vademecum: rejected {issue}", file=sys.stderr)


def run_serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = get_settings()
    if not args.no_ingest:
        ensure_index(settings)
    uvicorn.run(
        "service.app:create_app",
        factory=True,
        host=args.host or settings.service.host,
        port=args.port or settings.service.port,
        workers=args.workers,
        log_config=None,
        timeout_graceful_shutdown=20,
    )
    return 0


def run_ask(args: argparse.Namespace) -> int:
    from service.answering import AnswerService
    from service.index import open_index
    from service.retrieval import Retriever

    settings = get_settings()
    ensure_index(settings)
    embedder = SentenceTransformerEmbedder(settings.embedding.model)
    index = open_index(DataDir(settings.data_dir), embedder, settings.chroma)
    service = AnswerService(index, Retriever(index, embedder))
    request = FollowupRequest(
        question=args.question,
        article_id=args.article,
        audience=Audience.PATIENT if args.patient else Audience.CLINICIAN,
    )
    answer = service.answer(request, str(uuid.uuid4()))
    print(answer.model_dump_json(indent=2) if args.json else format_answer(answer))
    index.close()
    return 0


def format_answer(answer: FollowupAnswer) -> str:
    """The answer as a terminal page: status, text, numbered references, related questions, disclaimer."""
    width = min(shutil.get_terminal_size((100, 20)).columns, 100)
    bold = "\033[1m" if sys.stdout.isatty() else ""
    plain = "\033[0m" if sys.stdout.isatty() else ""
    lines = [f"{bold}[{answer.status.value}]{plain}", ""]
    for paragraph in answer.answer.split("\n"):
        text = paragraph.replace("**", bold if bold else "").replace("\\", "")
        indent = "  " if text.startswith("- ") else ""
        lines.extend(textwrap.wrap(text, width, subsequent_indent=indent + "  ") or [""])
    if answer.references:
        lines += ["", f"{bold}References{plain}"]
        for ref in answer.references:
            where = f" {(ref.doi and 'doi:' + ref.doi) or ref.url or ''}".rstrip()
            year = f", {ref.year}" if ref.year else ""
            entry = f"[{ref.n}] {ref.title}. {ref.source}{year} ({ref.type.value}){where}"
            lines.extend(textwrap.wrap(entry, width, subsequent_indent="    "))
    if answer.related_questions:
        lines += ["", f"{bold}Related questions{plain}"]
        lines += [f"  - {r.question}" for r in answer.related_questions]
    if answer.review_notice:
        lines += ["", *textwrap.wrap(answer.review_notice, width)]
    lines += ["", *textwrap.wrap(answer.disclaimer, width)]
    return "\n".join(lines)
