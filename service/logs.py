"""Structured logs: one JSON object per line. Question and answer text stay out unless enabled.

The access log (`vademecum.access`, service.http.access_log) writes exactly one line per HTTP request,
when its response has been sent (for a stream: after the last event), with what the route recorded about it.

Our own formatter rather than structlog: it is a dozen lines on the standard `logging`, and structlog's
per-request contextvars would not carry the access-log fields: the answer routes run in worker threads (and
a stream's events are produced in them), each in a copy of the request's context, so what they bind there
never reaches the middleware that writes the line. The fields travel in the ASGI scope instead.
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
from datetime import UTC, datetime
from typing import Any


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            payload.update(fields)
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        # json.dumps escapes newlines and control characters, so no value can start a fake log line.
        return json.dumps(payload, ensure_ascii=True, default=str)


def configure_logging(level: str = "INFO") -> None:
    """JSON lines on stderr for everything under `vademecum`; idempotent."""
    root = logging.getLogger("vademecum")
    root.setLevel(level)
    if not any(getattr(h, "vademecum_json", False) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        handler.vademecum_json = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.propagate = False


def failure_fields(error: BaseException) -> dict[str, Any]:
    """What a log line says about an exception: its type and where it was raised, not its message.

    Log failures with these fields instead of `exc_info`: an exception's message (and so `exc_info`,
    which every handler and formatter sees) can quote the question, e.g. from a model client that
    echoes its input, and personal details in a question must never reach a log.
    """
    return {
        "error_type": f"{type(error).__module__}.{type(error).__qualname__}",
        "traceback": "".join(traceback.format_tb(error.__traceback__)),
    }
