"""Admin endpoints: upload an article, delete one, re-ingest the corpus folder.

The work is in service.runtime.maintenance.

Every call needs the `X-API-Key` header equal to `VADEMECUM_SERVICE__ADMIN_API_KEY` (401 when missing or
wrong). With no key configured the endpoints are disabled and answer 403 `admin_disabled`, saying how to
enable them: 403 rather than 404, so a client that forgot the configuration is told, not left to guess.

Each change is a new index version written under the writer lock (409 `busy` at once when another ingest
holds it, never a wait), in a worker thread, never on the event loop. On success this process switches
to the new version before answering, so the next request is served from it.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyHeader
from pydantic import BaseModel, Field

from ingest.layout import DataDir, IndexBusyError, IndexWriteError
from ingest.models import ARTICLE_ID_PATTERN
from ingest.pipeline import IngestReport
from ingest.version import IndexCorruptError
from service.api.deps import StateDep
from service.http.access_log import add_log_fields
from service.http.errors import ApiError
from service.runtime.maintenance import ArticleNotFoundError, ArticleRejectedError, Maintenance, NothingWrittenError
from service.runtime.state import ServiceState

API_KEY = APIKeyHeader(name="X-API-Key", auto_error=False, description="the configured admin API key")


async def require_admin(state: StateDep, key: Annotated[str | None, Security(API_KEY)]) -> None:
    configured = state.settings.service.admin_api_key
    expected = configured.get_secret_value().encode() if configured is not None else b""
    if not expected:
        message = "the admin endpoints are disabled: set VADEMECUM_SERVICE__ADMIN_API_KEY to enable them"
        raise ApiError(403, "admin_disabled", message)
    # Constant-time, so the response time says nothing about how much of a guessed key was right.
    if key is None or not hmac.compare_digest(key.encode(), expected):
        raise ApiError(401, "unauthorized", "a valid X-API-Key header is required", "X-API-Key")


router = APIRouter(prefix="/v1", tags=["admin"], dependencies=[Depends(require_admin)])

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "missing or wrong `X-API-Key`"},
    403: {"description": "admin endpoints disabled (no key configured)"},
    409: {"description": "`busy`: another ingest holds the writer lock; `index_corrupt`: reindex with rebuild"},
    503: {"description": "`write_failed`: the index could not be written; the active version is unchanged"},
}


class Rejected(BaseModel):
    path: str
    reason: str
    line: int | None = None


class IndexChange(BaseModel):
    article_id: str | None = Field(default=None, description="the article uploaded or deleted")
    changed: bool = Field(description="whether a new index version was written")
    version: str | None = Field(description="the active index version after the request")
    serving: str | None = Field(description="the version this process serves now")
    added: list[str] = []
    updated: list[str] = []
    removed: list[str] = []
    unchanged: int = 0
    rejected: list[Rejected] = []
    passages_embedded: int = 0
    passages_total: int = 0
    warnings: list[str] = []
    seconds: float = 0.0


@router.post(
    "/articles",
    status_code=201,
    response_model=IndexChange,
    summary="Add or replace one article (native Markdown with YAML front matter, as the request body)",
    description="201 when a new version was written; 200 when the article is already indexed unchanged.",
    responses={**_ERRORS, 200: {"description": "unchanged"}, 422: {"description": "`invalid_article`"}},
    openapi_extra={"requestBody": {"required": True, "content": {"text/markdown": {"schema": {"type": "string"}}}}},
)
async def upload_article(request: Request, state: StateDep, response: Response) -> IndexChange:
    content = await request.body()
    if not content.strip():
        raise ApiError(422, "invalid_article", "the body is empty: send one article file", "body")
    article_id, report = await _apply(request, state, lambda ops: ops.upload(content))
    response.status_code = 201 if report.version else 200
    return _change(state, report, article_id)


@router.delete(
    "/articles/{article_id}",
    response_model=IndexChange,
    summary="Remove one article: a new index version without it",
    responses={**_ERRORS, 404: {"description": "no such article"}},
)
async def delete_article(
    article_id: Annotated[str, Path(pattern=ARTICLE_ID_PATTERN, max_length=128)], request: Request, state: StateDep
) -> IndexChange:
    _, report = await _apply(request, state, lambda ops: (article_id, ops.delete(article_id)))
    return _change(state, report, article_id)


@router.post("/reindex", response_model=IndexChange, summary="Re-ingest the corpus folder", responses=_ERRORS)
async def reindex(
    request: Request,
    state: StateDep,
    prune: Annotated[bool, Query(description="remove indexed articles not in the corpus folder")] = False,
    rebuild: Annotated[bool, Query(description="re-embed everything; repairs a corrupt active version")] = False,
) -> IndexChange:
    _, report = await _apply(request, state, lambda ops: (None, ops.reindex(prune=prune, rebuild=rebuild)))
    return _change(state, report, None)


async def _apply(
    request: Request, state: ServiceState, work: Callable[[Maintenance], tuple[str | None, IngestReport]]
) -> tuple[str | None, IngestReport]:
    """Run `work` in a worker thread, map its failures to JSON errors, then switch this process to the result."""
    add_log_fields(request.scope, admin=request.url.path)

    def run() -> tuple[str | None, IngestReport]:
        result = work(Maintenance(state.settings, state.embedder))
        if result[1].version:
            state.reload()
        return result

    try:
        article_id, report = await run_in_threadpool(run)
    except ArticleRejectedError as error:
        raise ApiError(422, "invalid_article", f"invalid article: {error}; nothing was changed", "body") from error
    except ArticleNotFoundError as error:
        raise ApiError(404, "not_found", str(error)) from error
    except IndexBusyError as error:
        raise ApiError(409, "busy", str(error)) from error
    except IndexCorruptError as error:
        message = f"{error}; POST /v1/reindex?rebuild=true repairs it"
        raise ApiError(409, "index_corrupt", message) from error
    except NothingWrittenError as error:
        raise ApiError(409, "would_be_empty", str(error)) from error
    except IndexWriteError as error:
        raise ApiError(503, "write_failed", str(error)) from error
    add_log_fields(request.scope, article_id=article_id, version=report.version)
    return article_id, report


def _change(state: ServiceState, report: IngestReport, article_id: str | None) -> IndexChange:
    served = state.served
    return IndexChange(
        article_id=article_id,
        changed=report.version is not None,
        version=report.version or _active_version(state),
        serving=served.version if served else None,
        added=report.added,
        updated=report.updated,
        removed=report.removed,
        unchanged=len(report.unchanged),
        rejected=[Rejected(path=i.path, reason=i.reason, line=i.line) for i in report.rejected],
        passages_embedded=report.passages_embedded,
        passages_total=report.passages_total,
        warnings=report.warnings,
        seconds=round(report.seconds, 3),
    )


def _active_version(state: ServiceState) -> str | None:
    try:
        pointer = DataDir(state.settings.data_dir).read_pointer()
    except (OSError, ValueError):
        return None
    return pointer.version if pointer else None
