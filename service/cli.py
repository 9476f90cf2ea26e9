"""`vademecum serve` (HTTP on 127.0.0.1:8000) and `vademecum ask` (one answer in the terminal)."""

from __future__ import annotations

import argparse
import math
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import uuid
from typing import Any

from ingest.embedding import Embedder
from ingest.layout import DataDir, IndexBusyError
from ingest.settings import Settings, get_settings
from service.answering.markdown import unescape_markdown
from service.schema import Audience, FollowupAnswer, FollowupRequest


def register(commands: Any) -> None:
    serve = commands.add_parser(
        "serve",
        help="serve the HTTP API (ingests corpus/ first when the index is missing or older)",
        description="Serve the API. When the index is missing or older than the corpus folder, ingest it first.",
    )
    serve.add_argument("--host", help="default: settings (127.0.0.1)")
    serve.add_argument("--port", type=int, help="default: settings (8000)")
    serve.add_argument(
        "--workers", type=int, help="uvicorn worker processes (default: settings, 1); more than 1 needs a Chroma server"
    )
    serve.add_argument("--no-ingest", action="store_true", help="serve the index as it is")
    serve.set_defaults(run=run_serve)

    ask = commands.add_parser("ask", help="answer one question in the terminal")
    ask.add_argument("question")
    ask.add_argument("--article", help="id of the article being read")
    ask.add_argument("--patient", action="store_true", help="answer for a patient rather than a clinician")
    ask.add_argument("--json", action="store_true", help="print the JSON response")
    ask.add_argument("--no-ingest", action="store_true", help="use the index as it is")
    ask.set_defaults(run=run_ask)


def index_staleness(settings: Settings) -> str | None:
    """Why the index must be (re)built from the corpus folder, or None when it is up to date.

    Cheap (file metadata, and a hash of the model's files): the index is stale when it is missing, when a
    corpus file is newer than the newest input it was built from (`inputs_mtime` in its manifest), when a
    corpus file is not among its sources, when the encoder export the service loads was never written, or
    when another chunker cut it (the rewrite reuses every vector whose text is unchanged).
    """
    from ingest.chunking import CHUNKER_VERSION
    from ingest.embedding import effective_kind, export_dir
    from ingest.layout import IndexMissingError
    from ingest.loading import discover
    from ingest.version import read_manifest

    corpus = settings.corpus_dir
    if not corpus.is_dir():
        return None
    data_dir = DataDir(settings.data_dir)
    try:
        manifest = read_manifest(data_dir.active_version_dir())
    except (IndexMissingError, FileNotFoundError, ValueError) as error:
        return f"no usable index ({error})"
    sources = {os.path.realpath(entry.source_path) for entry in manifest.articles.values() if entry.source_path}
    for path in discover([corpus]):
        if path.stat().st_mtime > manifest.inputs_mtime:
            return f"{path} changed after index {manifest.version} was built"
        if os.path.realpath(path) not in sources:
            return f"{path} is not in index {manifest.version}"
    embedding = settings.embedding
    kind = effective_kind(embedding)
    if kind != "torch" and not export_dir(data_dir, embedding.model, embedding.max_seq_length, kind).is_dir():
        return f"no {kind} encoder exported in {data_dir.encoders}"
    if manifest.encoder != kind:
        return f"index {manifest.version} holds {manifest.encoder} vectors, the configured encoder is {kind}"
    if manifest.chunker_version != CHUNKER_VERSION:
        return f"index {manifest.version} was cut by chunker {manifest.chunker_version}, this is {CHUNKER_VERSION}"
    return None


def ensure_index(settings: Settings, out: Any = sys.stderr, embedder: Embedder | None = None) -> str | None:
    """Ingest the corpus folder when the index is stale (`index_staleness`); otherwise do nothing.

    Returns why it ingested (None when the index was up to date). Without `embedder` the ingest runs as a
    child process, `vademecum ingest`: the full model it loads is then never part of this process, which
    only needs the encoder export that ingest writes (ingest.embedding.export).
    """
    reason = index_staleness(settings)
    if reason is None:
        return None
    print(f"vademecum: ingesting {settings.corpus_dir}: {reason}", file=out)
    if embedder is None:
        command = [sys.executable, "-m", "vademecum", "ingest", str(settings.corpus_dir)]
        code = subprocess.run(command, env=_ingest_environment(settings), check=False).returncode
        if code != 0:
            print(f"vademecum: the ingest exited with code {code}; serving the index as it is", file=out)
        return reason

    from ingest.pipeline import IngestOptions, run_ingest

    data_dir = DataDir(settings.data_dir)
    try:
        report = run_ingest(
            [settings.corpus_dir],
            data_dir=data_dir,
            embedder=embedder,
            chroma=settings.chroma,
            options=IngestOptions(keep_previous=settings.index.keep_previous),
        )
    except IndexBusyError as error:
        print(f"vademecum: not ingesting: {error}", file=out)
        return reason
    for issue in report.rejected:
        print(f"vademecum: rejected {issue}", file=out)
    if report.version:
        print(f"vademecum: index version {report.version}: {report.passages_total} passages", file=out)
    return reason


def _ingest_environment(settings: Settings) -> dict[str, str]:
    """This process's environment with the settings an ingest reads, as `VADEMECUM_*` variables."""
    env = {**os.environ, "VADEMECUM_DATA_DIR": str(settings.data_dir), "VADEMECUM_CORPUS_DIR": str(settings.corpus_dir)}
    for group in ("embedding", "chroma", "index"):
        for name, value in getattr(settings, group).model_dump().items():
            env[f"VADEMECUM_{group.upper()}__{name.upper()}"] = (
                str(value).lower() if isinstance(value, bool) else str(value)
            )
    return env


def run_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from service.factory import FACTORY, WorkersNeedChromaServerError, check_workers

    settings = get_settings()
    workers = args.workers or settings.service.workers
    try:
        check_workers(settings, workers)
    except WorkersNeedChromaServerError as error:
        print(f"vademecum serve: {error}", file=sys.stderr)
        return 2
    if not args.no_ingest:
        ensure_index(settings)
    host = args.host or settings.service.host
    port = args.port or settings.service.port
    print(f"vademecum: serving on http://{host}:{port} (OpenAPI at /docs)", file=sys.stderr)
    # uvicorn re-raises the SIGTERM it shut down for: exit 0 then, not 143, since the shutdown was clean.
    signal.signal(signal.SIGTERM, _exit_cleanly)
    uvicorn.run(
        FACTORY,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=math.ceil(settings.service.shutdown_grace_s),
        timeout_keep_alive=settings.service.keep_alive_s,
    )
    return 0


def _exit_cleanly(signum: int, frame: object) -> None:
    raise SystemExit(0)


def run_ask(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from ingest.embedding import EncoderMissingError, EncoderUnavailableError, serving_embedder
    from ingest.layout import IndexMissingError
    from service.answering.pipeline import AnswerService
    from service.retrieval.index import open_index
    from service.retrieval.retriever import RetrievalConfig, Retriever
    from service.triage.emergency_model import emergency_model_for
    from service.triage.scope_model import scope_model_for

    settings = get_settings()
    try:
        request = FollowupRequest(
            question=args.question,
            article_id=args.article,
            audience=Audience.PATIENT if args.patient else Audience.CLINICIAN,
        )
    except ValidationError as error:
        print(f"vademecum ask: {error.errors()[0]['msg']}", file=sys.stderr)
        return 2
    if not args.no_ingest:
        ensure_index(settings)
    os.environ.setdefault("TQDM_DISABLE", "1")  # the terminal answer should stand alone
    try:
        embedder = serving_embedder(DataDir(settings.data_dir), settings.embedding, settings.service.encoder_threads)
        _ = embedder.dimension  # loads the export now, so a missing one is one clear line, not a traceback
    except (EncoderMissingError, EncoderUnavailableError) as error:
        print(f"vademecum ask: {error}", file=sys.stderr)
        return 1
    try:
        index = open_index(DataDir(settings.data_dir), embedder, settings.chroma)
    except IndexMissingError as error:
        print(f"vademecum ask: {error}", file=sys.stderr)
        return 1
    try:
        if args.article and args.article not in index.articles:
            print(f"vademecum ask: no article {args.article!r} in the index", file=sys.stderr)
            return 1
        emergency_model = emergency_model_for(embedder.model_name, embedder.dimension)
        scope_model = scope_model_for(embedder.model_name, embedder.dimension)
        config = RetrievalConfig(learned_ranking=settings.service.learned_ranking)
        retriever = Retriever(index, embedder, config)
        service = AnswerService(index, retriever, emergency_model=emergency_model, scope_model=scope_model)
        answer = service.answer(request, uuid.uuid4().hex)
    finally:
        index.close()
    print(answer.model_dump_json(indent=2) if args.json else format_answer(answer, color=sys.stdout.isatty()))
    return 0


STATUS_LABELS = {
    "answered": "Answer",
    "insufficient_evidence": "No answer: the corpus holds no evidence for this",
    "emergency": "EMERGENCY",
    "out_of_scope": "Out of scope",
}


def format_answer(answer: FollowupAnswer, *, color: bool = False, width: int | None = None) -> str:
    """The answer as a terminal page: status, text, numbered references, related questions, disclaimer."""
    width = width or min(shutil.get_terminal_size((100, 20)).columns, 100)
    bold, dim, red, plain = ("\033[1m", "\033[2m", "\033[1;31m", "\033[0m") if color else ("", "", "", "")
    label = STATUS_LABELS.get(answer.status.value, answer.status.value)
    lines = [f"{red if answer.status.value == 'emergency' else bold}{label}{plain}", ""]
    for paragraph in answer.answer.split("\n"):
        text = _plain_markdown(paragraph, bold, plain)
        if text.startswith("- "):
            lines.extend(textwrap.wrap(text, width, initial_indent="  ", subsequent_indent="    ") or [""])
        else:
            lines.extend(textwrap.wrap(text, width) or [""])
    if answer.references:
        lines += ["", f"{bold}References{plain}"]
        for ref in answer.references:
            where = f"https://doi.org/{ref.doi}" if ref.doi else (ref.url or "")
            year = f", {ref.year}" if ref.year else ""
            entry = f"[{ref.n}] {ref.title}. {ref.source}{year}. ({ref.type.value})"
            lines.extend(textwrap.wrap(entry, width, subsequent_indent="     "))
            if where:
                lines.append(f"     {dim}{where}{plain}")
    if answer.related_questions:
        lines += ["", f"{bold}Related questions{plain}"]
        for related in answer.related_questions:
            lines.extend(
                textwrap.wrap(
                    f"- {related.question} ({related.article_id})", width, initial_indent="  ", subsequent_indent="    "
                )
            )
    if answer.review_notice:
        lines += ["", *textwrap.wrap(answer.review_notice, width)]
    lines += ["", *(f"{dim}{line}{plain}" for line in textwrap.wrap(answer.disclaimer, width))]
    return "\n".join(lines)


def _plain_markdown(text: str, bold: str, plain: str) -> str:
    """Bold markers to terminal bold (or nothing), and the escapes of quoted text removed."""
    parts = text.split("**")
    text = "".join(part if i % 2 == 0 else f"{bold}{part}{plain}" for i, part in enumerate(parts))
    return unescape_markdown(text)
