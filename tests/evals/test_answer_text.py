"""Reading an answer's Markdown into statements and their citation markers."""

from __future__ import annotations

from evals.answer_text import citation_coverage, cited_text, content_text, statements
from service.answering import wording

ANSWER = (
    "**Possible emergency: call now.**\n\n"
    f"{wording.EMERGENCY_FOLLOWS}\n\n"
    "Give 1 mg \\[max\\]. Repeat once. [1][2]\n\n"
    "**Kidney Disease**\n"
    "- Avoid NSAIDs. [3] Check the eGFR.\n"
)


def test_a_marker_covers_the_sentences_before_it_and_headings_are_not_statements():
    found = [(s.text, s.markers) for s in statements(ANSWER)]
    assert found == [
        ("Give 1 mg [max].", (1, 2)),
        ("Repeat once", (1, 2)),
        ("Avoid NSAIDs", (3,)),
        ("Check the eGFR", ()),
    ]


def test_citation_coverage_is_the_share_of_cited_statements():
    assert citation_coverage(ANSWER) == 0.75
    assert citation_coverage(wording.OUT_OF_SCOPE) is None


def test_content_text_drops_fixed_wording_markers_and_escapes():
    assert content_text(ANSWER) == "Give 1 mg [max]. Repeat once. Avoid NSAIDs. Check the eGFR."


def test_cited_text_finds_the_block_a_citation_backs():
    used: set[int] = set()
    assert cited_text(ANSWER, (1, 2), used) == "Give 1 mg [max]. Repeat once"
    assert cited_text(ANSWER, (1, 2), used) is None
