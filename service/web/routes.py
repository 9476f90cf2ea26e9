"""Serve the chat page's files, and the per-audience disclaimer the article view shows.

The files ship as package data (service/web/static/) and are read once per process: they change only
with a new release. Each response carries a strong ETag and `Cache-Control: no-cache`, so a browser
keeps its copy but revalidates it (a 304 costs no body), and a deploy is never hidden behind a stale
cache. The Content-Security-Policy allows scripts, styles and connections to this origin only: the page
works with nothing fetched from elsewhere, and an injected inline script would not run. The script is
a set of ES modules (`<script type="module">`), which `script-src 'self'` covers: each is fetched from
/static/ on the same origin, with the JavaScript media type browsers require of a module.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Response
from pydantic import BaseModel, Field

from service.answering.wording import disclaimer
from service.schema import Audience

router = APIRouter()

# The script's ES modules: app.js is the entry the page loads, and it imports the others by relative path.
SCRIPT_MODULES = (
    "app.js",
    "api.js",
    "article.js",
    "chat.js",
    "dom.js",
    "markdown.js",
    "references.js",
    "state.js",
)
# The files a browser may ask for, with their media types; any other name is a 404.
STATIC_FILES = {
    "index.html": "text/html; charset=utf-8",
    "styles.css": "text/css; charset=utf-8",
} | {name: "text/javascript; charset=utf-8" for name in SCRIPT_MODULES}

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


@dataclass(frozen=True)
class StaticFile:
    body: bytes
    media_type: str
    etag: str


@cache
def static_file(name: str) -> StaticFile:
    """One of the page's files, read from the package once; KeyError for a name not in STATIC_FILES."""
    media_type = STATIC_FILES[name]
    body = resources.files(__package__).joinpath("static", name).read_bytes()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    return StaticFile(body=body, media_type=media_type, etag=etag)


def file_response(name: str, if_none_match: str | None) -> Response:
    """The file, or 304 Not Modified when the browser already holds this version."""
    file = static_file(name)
    headers = {
        "ETag": file.etag,
        "Cache-Control": "no-cache",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }
    if name == "index.html":
        headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    if if_none_match is not None and file.etag in {tag.strip() for tag in if_none_match.split(",")}:
        return Response(status_code=304, headers=headers)
    return Response(file.body, media_type=file.media_type, headers=headers)


IfNoneMatch = Annotated[str | None, Header()]


@router.get("/", include_in_schema=False)
def page(if_none_match: IfNoneMatch = None) -> Response:
    return file_response("index.html", if_none_match)


@router.get("/static/{name}", include_in_schema=False)
def page_asset(name: str, if_none_match: IfNoneMatch = None) -> Response:
    if name not in STATIC_FILES or name == "index.html":
        raise HTTPException(status_code=404, detail=f"no file {name!r}")
    return file_response(name, if_none_match)


class Disclaimers(BaseModel):
    clinician: str = Field(description="shown to healthcare professionals")
    patient: str = Field(description="shown to patients and the public")


@router.get(
    "/v1/disclaimers",
    response_model=Disclaimers,
    tags=["articles"],
    summary="The disclaimer every answer carries, for each audience",
)
def get_disclaimers() -> Disclaimers:
    return Disclaimers(clinician=disclaimer(Audience.CLINICIAN), patient=disclaimer(Audience.PATIENT))
