"""Small helpers the service tests share."""

from __future__ import annotations

import json
from typing import Any

import pytest

from service.answering.markdown import MARKER
from service.retrieval.index import LoadedIndex


def require_articles(index: LoadedIndex, *article_ids: str) -> None:
    """Skip a test whose corpus articles are not written yet (the corpus is still growing)."""
    missing = [a for a in article_ids if a not in index.articles]
    if missing:
        pytest.fail(f"corpus articles not present yet: {', '.join(missing)}")


def parse_sse(text: str) -> list[tuple[str, dict[str, Any]]]:
    """(event, data) pairs of a server-sent-events body."""
    events: list[tuple[str, dict[str, Any]]] = []
    for block in text.strip().split("\n\n"):
        name, data = "", ""
        for line in block.splitlines():
            if line.startswith("event: "):
                name = line.removeprefix("event: ")
            elif line.startswith("data: "):
                data += line.removeprefix("data: ")
        if name:
            events.append((name, json.loads(data)))
    return events


def markers(answer_text: str) -> list[int]:
    """The [n] citation markers of an answer, in order of appearance."""
    return [int(n) for n in MARKER.findall(answer_text)]


ANSWERED = {"question": "Which anticoagulant is preferred for stroke prevention in non-valvular atrial fibrillation?"}
INSUFFICIENT = {"question": "What is the first-line treatment of an acute gout flare?"}
EMERGENCY = {"question": "my husbands face is droping and he cant talk properly", "audience": "patient"}
OUT_OF_SCOPE = {"question": "What's a good recipe for lemon drizzle cake?"}

# A body far above the configured limit (256 KB by default) (tests/service/test_abuse.py, test_abuse_server.py).
BIG = 5 * 1024 * 1024


def oversized_json() -> bytes:
    """5 MB that is not even valid JSON: a 413 (not a 422) shows the size was judged before parsing."""
    return b'{"question": "' + b"a" * BIG
