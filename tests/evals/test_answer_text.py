"""Reading an answer's blocks into statements and the references they cite."""

from __future__ import annotations

from evals.answer_text import citation_coverage, cited_text, content_text, statements
from service.answering import wording
from service.schema import AnswerBlock, AnswerStatus, BlockKind, FollowupAnswer


def answer(*blocks: AnswerBlock) -> FollowupAnswer:
    return FollowupAnswer(
        status=AnswerStatus.EMERGENCY,
        answer="(rendered from the blocks)",
        blocks=list(blocks),
        citations=[],
        references=[],
        related_questions=[],
        disclaimer="d",
        request_id="r",
    )


def block(kind: BlockKind, text: str, *numbers: int) -> AnswerBlock:
    return AnswerBlock(kind=kind, text=text, reference_numbers=list(numbers))


ANSWER = answer(
    block(BlockKind.EMERGENCY, "Possible emergency: call now."),
    block(BlockKind.NOTICE, wording.EMERGENCY_FOLLOWS),
    block(BlockKind.STATEMENT, "Give 1 mg [max]. Repeat once.", 1, 2),
    block(BlockKind.HEADING, "Kidney Disease"),
    block(BlockKind.STATEMENT, "Avoid NSAIDs.", 3),
    block(BlockKind.STATEMENT, "Check the eGFR."),
)


def test_a_statement_blocks_references_cover_its_sentences_and_other_blocks_are_not_statements() -> None:
    found = [(s.text, s.markers) for s in statements(ANSWER)]
    assert found == [
        ("Give 1 mg [max].", (1, 2)),
        ("Repeat once", (1, 2)),
        ("Avoid NSAIDs", (3,)),
        ("Check the eGFR", ()),
    ]


def test_citation_coverage_is_the_share_of_cited_statements() -> None:
    assert citation_coverage(ANSWER) == 0.75


def test_an_answer_of_fixed_wording_makes_no_statement() -> None:
    assert citation_coverage(answer(block(BlockKind.NOTICE, wording.OUT_OF_SCOPE))) is None


def test_content_text_is_the_statements_only() -> None:
    assert content_text(ANSWER) == "Give 1 mg [max]. Repeat once. Avoid NSAIDs. Check the eGFR."


def test_cited_text_finds_the_block_a_citation_backs() -> None:
    used: set[int] = set()
    assert cited_text(ANSWER, (1, 2), used) == "Give 1 mg [max]. Repeat once"
    assert cited_text(ANSWER, (1, 2), used) is None
