"""The answer's Markdown: the one set of characters escaped in quoted text, and the [n] citation marker.

Quoted text can hold brackets, asterisks, underscores or backticks; escaped with a backslash they are never
read as [n] markers or emphasis. `unescape_markdown` gives a reader of the Markdown the text back.
"""

from __future__ import annotations

import re

__all__ = ["MARKDOWN_SPECIALS", "MARKER", "escape_markdown", "unescape_markdown"]

MARKDOWN_SPECIALS = "\\[]*_`"
_SPECIAL = re.compile(f"([{re.escape(MARKDOWN_SPECIALS)}])")
_ESCAPED = re.compile(f"\\\\([{re.escape(MARKDOWN_SPECIALS)}])")
# A marker is "[n]" not preceded by a backslash: quoted text has its own brackets escaped.
MARKER = re.compile(r"(?<!\\)\[(\d+)\]")


def escape_markdown(text: str) -> str:
    return _SPECIAL.sub(r"\\\1", text)


def unescape_markdown(text: str) -> str:
    return _ESCAPED.sub(r"\1", text)
