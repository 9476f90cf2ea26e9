"""Instructions aimed at the system inside a question ("ignore previous instructions..."): found and removed.

The patterns are ingest's (ingest.injection), which flags the same phrasing in articles at ingest.
"""

from __future__ import annotations

from ingest.injection import QUESTION_INSTRUCTIONS

_INJECTION = QUESTION_INSTRUCTIONS


def contains_injection(question: str) -> bool:
    return bool(_INJECTION.search(question))


def strip_injection(question: str) -> str:
    """The question with the instruction-like parts removed, to see whether a real question remains."""
    return " ".join(_INJECTION.sub(" ", question).split())
