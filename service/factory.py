"""The app factory uvicorn imports by name in each worker process: `uvicorn service.factory:app_from_settings`.

Every worker builds its own app from the environment's settings when it starts; importing this module builds
nothing. Several workers need Chroma in http mode: embedded Chroma allows one writer process per directory,
and chromadb 1.5's PersistentClient writes to its database every time it opens it (see ingest.store).
"""

from __future__ import annotations

from fastapi import FastAPI

from ingest.settings import Settings, get_settings

FACTORY = "service.factory:app_from_settings"


class WorkersNeedChromaServerError(Exception):
    """More than one worker (or replica) was asked for over embedded Chroma."""


def app_from_settings() -> FastAPI:
    """The app of one worker process, built from `get_settings()` (the `VADEMECUM_*` environment)."""
    from service.app import create_app
    from service.runtime.memory import limit_malloc_arenas

    # Before the index is opened and the request threads start: arenas made earlier stay.
    limit_malloc_arenas()
    return create_app(get_settings())


def check_workers(settings: Settings, workers: int) -> None:
    """Refuse several worker processes over embedded Chroma, before any of them starts."""
    if workers > 1 and settings.chroma.mode != "http":
        raise WorkersNeedChromaServerError(
            f"{workers} workers need a Chroma server: embedded Chroma allows one process per index directory "
            "(chromadb writes to its database whenever it opens it). Run `chroma run --path /srv/chroma` and set "
            "VADEMECUM_CHROMA__MODE=http VADEMECUM_CHROMA__HOST=... VADEMECUM_CHROMA__PORT=..., or serve with "
            "--workers 1"
        )
