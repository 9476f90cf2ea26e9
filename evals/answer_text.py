"""Read an answer's Markdown the way the citation metrics need it: statements and the markers they carry.

An answer is a sequence of blocks (paragraphs and list items). Headings (a block that is bold as a
whole) and the service's fixed wording (emergency guidance, abstention messages) are not statements.
Within a block, a run of [n] markers covers the sentences before it back to the previous marker:
"A. B. [1]" cites both A and B; "A [1]. B." leaves B uncited.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.chunking import split_sentences
from service.answering import wording
from service.answering.markdown import MARKER, unescape_markdown

_MARKER_RUN = re.compile(r"(?:\s*(?<!\\)\[\d+\])+")
_BOLD_BLOCK = re.compile(r"^\*\*.*\*\*$", re.DOTALL)
_FIXED_PREFIXES = (
    wording.OUT_OF_SCOPE[:60],
    wording.EMERGENCY_FOLLOWS,
    "The corpus holds no evidence that answers this question",
)


@dataclass(frozen=True)
class Statement:
    """One sentence of the answer and the reference numbers that cover it (empty when uncited)."""

    text: str
    markers: tuple[int, ...]
    block: int


def blocks(answer: str) -> list[str]:
    """The answer's lines that hold text (the service writes each paragraph and list item on one line)."""
    result = []
    for line in answer.splitlines():
        line = line.strip()
        result.append(line[2:].strip() if line.startswith("- ") else line)
    return [b for b in result if b]


def is_fixed_text(block: str) -> bool:
    """A heading, the emergency guidance (bold), or one of the service's fixed messages."""
    return bool(_BOLD_BLOCK.match(block)) or block.startswith(_FIXED_PREFIXES)


def plain_text(answer: str) -> str:
    """The answer without markers, Markdown emphasis or escapes: what a reader takes in."""
    text = MARKER.sub("", answer)
    text = text.replace("**", "")
    text = re.sub(r"^\s*-\s+", "", text, flags=re.MULTILINE)
    return " ".join(unescape_markdown(text).split())


def content_text(answer: str) -> str:
    """The statements of the answer (no headings, no fixed wording), as plain text."""
    return " ".join(plain_text(block) for block in blocks(answer) if not is_fixed_text(block))


def statements(answer: str) -> list[Statement]:
    found: list[Statement] = []
    for index, block in enumerate(blocks(answer)):
        if is_fixed_text(block):
            continue
        position = 0
        pending: list[str] = []
        for run in _MARKER_RUN.finditer(block):
            numbers = tuple(int(n) for n in MARKER.findall(run.group(0)))
            pending.extend(_sentences(block[position : run.start()]))
            found.extend(Statement(text, numbers, index) for text in pending)
            pending, position = [], run.end()
        pending.extend(_sentences(block[position:]))
        found.extend(Statement(text, (), index) for text in pending)
    return found


def _sentences(text: str) -> list[str]:
    plain = " ".join(unescape_markdown(text).split()).strip(" .;,")
    if not plain or not re.search(r"[A-Za-z0-9]", plain):
        return []
    return split_sentences(plain)


def citation_coverage(answer: str) -> float | None:
    """Share of the answer's statements that carry a citation; None when it makes no statement."""
    found = statements(answer)
    if not found:
        return None
    return sum(1 for s in found if s.markers) / len(found)


def cited_text(answer: str, reference_numbers: tuple[int, ...], used: set[int]) -> str | None:
    """The statements of the first not-yet-used block whose markers are exactly `reference_numbers`."""
    by_block: dict[int, list[Statement]] = {}
    for statement in statements(answer):
        if statement.markers == reference_numbers:
            by_block.setdefault(statement.block, []).append(statement)
    for block, members in by_block.items():
        if block not in used:
            used.add(block)
            return " ".join(s.text for s in members)
    return None
