"""The answer's Markdown, rendered from its blocks by service.answering.markdown."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.answering import wording
from service.answering.markdown import MARKER, escape_markdown, markdown_fragments, render_markdown, unescape_markdown
from service.answering.plan import guidance_blocks
from service.schema import AnswerBlock, Audience, BlockKind, Filters
from service.triage.emergency import Emergency
from service.triage.guidance import guidance
from service.triage.red_flags import PRESENTATIONS


def block(kind: BlockKind, text: str, *numbers: int) -> AnswerBlock:
    return AnswerBlock(kind=kind, text=text, reference_numbers=list(numbers))


@given(st.text())
def test_unescaping_gives_back_the_escaped_text(text: str) -> None:
    assert unescape_markdown(escape_markdown(text)) == text


@given(st.text())
def test_escaped_text_holds_no_marker(text: str) -> None:
    assert MARKER.search(escape_markdown(text)) is None


def test_statements_after_a_heading_are_its_list_items_and_the_next_heading_follows_a_blank_line() -> None:
    blocks = [
        block(BlockKind.STATEMENT, "Lead [sic] *text*.", 1, 2),
        block(BlockKind.HEADING, "Dosing"),
        block(BlockKind.STATEMENT, "Give 5 mg.", 3),
        block(BlockKind.STATEMENT, "Uncited."),
        block(BlockKind.HEADING, "Monitoring"),
        block(BlockKind.STATEMENT, "Check K.", 1),
    ]

    assert render_markdown(blocks) == (
        "Lead \\[sic\\] \\*text\\*. [1][2]\n\n"
        "**Dosing**\n\n- Give 5 mg. [3]\n- Uncited.\n\n"
        "**Monitoring**\n\n- Check K. [1]"
    )


def test_an_emergencys_advice_stays_in_the_paragraph_of_its_call_for_help() -> None:
    blocks = [
        block(BlockKind.EMERGENCY, "Call now."),
        block(BlockKind.EMERGENCY_ADVICE, "Rinse the eye."),
        block(BlockKind.NOTICE, wording.EMERGENCY_FOLLOWS),
    ]

    assert render_markdown(blocks) == f"**Call now.** Rinse the eye.\n\n{wording.EMERGENCY_FOLLOWS}"


def test_the_streamed_fragments_add_up_to_the_rendered_answer() -> None:
    blocks = [
        block(BlockKind.EMERGENCY, "Call now."),
        block(BlockKind.HEADING, "Dosing"),
        block(BlockKind.STATEMENT, "Give 5 mg.", 1),
        block(BlockKind.NOTICE, wording.COMPOSITION_FAILED),
    ]

    assert "".join(markdown_fragments(blocks)).strip() == render_markdown(blocks)


@pytest.mark.parametrize("audience", list(Audience))
def test_every_emergency_guidance_renders_as_triage_writes_it(audience: Audience) -> None:
    for presentation in PRESENTATIONS:
        emergency = Emergency(
            flag=presentation.name,
            system=presentation.system,
            concepts=frozenset(),
            suicide=presentation.suicide,
            topic=presentation.topic,
            advice=presentation.advice,
        )
        expected = guidance(emergency, patient=audience is Audience.PATIENT)
        assert render_markdown(guidance_blocks(emergency, audience)) == expected, presentation.name


def test_the_fixed_wording_needs_no_escaping() -> None:
    fixed = [
        wording.OUT_OF_SCOPE,
        wording.EMERGENCY_FOLLOWS,
        wording.COMPOSITION_FAILED,
        wording.SEARCH_FAILED,
        wording.insufficient_evidence(2, 3, "q", Filters(), unknown_terms=["x"]),
        wording.insufficient_evidence(2, 3, "q", Filters(min_year=2020), populations=["children"]),
    ]
    assert [escape_markdown(text) for text in fixed] == fixed
