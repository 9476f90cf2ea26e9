"""Structured logs: one JSON object per line. Question and answer text stay out unless enabled.

The access log (`vademecum.access`) writes exactly one line per HTTP request, when its response has
been sent (for a stream: after the last event), with what the route recorded about it.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

ACCESS = logging.getLogger("vademecum.access")


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


def log_request(**fields: Any) -> None:
    ACCESS.info("request", extra={"fields": fields})
