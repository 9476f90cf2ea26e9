"""Read an answer's blocks the way the citation metrics need them: statements and the references they cite.

An answer is a sequence of blocks (service.schema.AnswerBlock). Only `statement` blocks are statements;
headings and the service's fixed wording (emergency guidance, abstentions, notices) are not. A statement
block's reference numbers cover every sentence in it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.chunking import split_sentences
from service.schema import AnswerBlock, BlockKind, FollowupAnswer


@dataclass(frozen=True)
class Statement:
    """One sentence of the answer and the reference numbers that cover it (empty when uncited)."""

    text: str
    markers: tuple[int, ...]
    block: int


def _statement_blocks(answer: FollowupAnswer) -> list[tuple[int, AnswerBlock]]:
    return [(index, block) for index, block in enumerate(answer.blocks) if block.kind is BlockKind.STATEMENT]


def content_text(answer: FollowupAnswer) -> str:
    """The statements of the answer (no headings, no fixed wording), as plain text."""
    return " ".join(" ".join(block.text.split()) for _, block in _statement_blocks(answer))


def statements(answer: FollowupAnswer) -> list[Statement]:
    return [
        Statement(text, tuple(block.reference_numbers), index)
        for index, block in _statement_blocks(answer)
        for text in _sentences(block.text)
    ]


def _sentences(text: str) -> list[str]:
    plain = " ".join(text.split()).strip(" .;,")
    if not plain or not re.search(r"[A-Za-z0-9]", plain):
        return []
    return split_sentences(plain)


def citation_coverage(answer: FollowupAnswer) -> float | None:
    """Share of the answer's statements that carry a citation; None when it makes no statement."""
    found = statements(answer)
    if not found:
        return None
    return sum(1 for s in found if s.markers) / len(found)


def cited_text(answer: FollowupAnswer, reference_numbers: tuple[int, ...], used: set[int]) -> str | None:
    """The statements of the first not-yet-used block whose reference numbers are exactly `reference_numbers`."""
    by_block: dict[int, list[Statement]] = {}
    for statement in statements(answer):
        if statement.markers == reference_numbers:
            by_block.setdefault(statement.block, []).append(statement)
    for block, members in by_block.items():
        if block not in used:
            used.add(block)
            return " ".join(s.text for s in members)
    return None
