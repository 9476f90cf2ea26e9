"""The answer's Markdown, rendered from its blocks by one function; the one escape set; the [n] marker.

Blocks (service.schema.AnswerBlock) hold plain text; Markdown exists only here. A paragraph ends in a blank
line; a heading is bold and the statements after it are its list items, one per line; each statement ends
with its [n] markers. Text is escaped with one set of characters, so that brackets, asterisks, underscores
or backticks in a quote are never read as markers or emphasis; `unescape_markdown` gives them back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from service.schema import AnswerBlock, BlockKind

__all__ = [
    "MARKDOWN_SPECIALS",
    "MARKER",
    "escape_markdown",
    "markdown_fragments",
    "render_markdown",
    "unescape_markdown",
]

MARKDOWN_SPECIALS = "\\[]*_`"
_SPECIAL = re.compile(f"([{re.escape(MARKDOWN_SPECIALS)}])")
_ESCAPED = re.compile(f"\\\\([{re.escape(MARKDOWN_SPECIALS)}])")
# A marker is "[n]" not preceded by a backslash: quoted text has its own brackets escaped.
MARKER = re.compile(r"(?<!\\)\[(\d+)\]")


def escape_markdown(text: str) -> str:
    return _SPECIAL.sub(r"\\\1", text)


def unescape_markdown(text: str) -> str:
    return _ESCAPED.sub(r"\1", text)


def render_markdown(blocks: Iterable[AnswerBlock]) -> str:
    """The answer's Markdown: the concatenated fragments, stripped."""
    return "".join(markdown_fragments(blocks)).strip()


def markdown_fragments(blocks: Iterable[AnswerBlock]) -> Iterator[str]:
    """Each block's Markdown as soon as it is known, for streaming. An emergency's call for help waits for the
    next block, since advice that follows it belongs in its paragraph."""
    in_list = after_item = False
    held: AnswerBlock | None = None
    for block in blocks:
        if held is not None:
            advice = block if block.kind is BlockKind.EMERGENCY_ADVICE else None
            yield _paragraph(_guidance(held, advice), after_item)
            held, after_item = None, False
            if advice is not None:
                continue
        if block.kind is BlockKind.EMERGENCY:
            held, in_list = block, False
        elif block.kind is BlockKind.HEADING:
            yield ("\n" if after_item else "") + f"**{escape_markdown(block.text)}**\n\n"
            in_list, after_item = True, False
        elif block.kind is BlockKind.STATEMENT and in_list:
            yield f"- {_statement(block)}\n"
            after_item = True
        else:
            text = _statement(block) if block.kind is BlockKind.STATEMENT else escape_markdown(block.text)
            yield _paragraph(text, after_item)
            in_list = after_item = False
    if held is not None:
        yield _paragraph(_guidance(held, None), after_item)


def _paragraph(text: str, after_item: bool) -> str:
    return ("\n" if after_item else "") + text + "\n\n"


def _guidance(call: AnswerBlock, advice: AnswerBlock | None) -> str:
    bold = f"**{escape_markdown(call.text)}**"
    return f"{bold} {escape_markdown(advice.text)}" if advice is not None else bold


def _statement(block: AnswerBlock) -> str:
    markers = "".join(f"[{n}]" for n in block.reference_numbers)
    return f"{escape_markdown(block.text)} {markers}".rstrip()
