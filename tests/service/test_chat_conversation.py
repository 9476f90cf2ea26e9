"""A chat conversation read as a follow-up request, and an answer written as chat text (service.chat.conversation)."""

from __future__ import annotations

import pytest

from ingest.models import ReferenceType
from service.chat.conversation import (
    MAX_TURN_CHARS,
    ChatInputError,
    ChatTurn,
    TrimmedText,
    chat_content,
    followup_request,
    reference_link,
)
from service.schema import MAX_HISTORY_TURNS, AnswerStatus, FollowupAnswer, ReferenceEntry


def _turn(role: str, text: str, i: int = 0) -> ChatTurn:
    return ChatTurn(role=role, text=text, where=f"messages[{i}].content")


def _reference(n: int, url: str | None = None, doi: str | None = None) -> ReferenceEntry:
    return ReferenceEntry(
        n=n, type=ReferenceType.GUIDELINE, title=f"Work {n}", source="Journal", year=2020, url=url, doi=doi
    )


def test_last_user_message_is_the_question_and_earlier_turns_the_history() -> None:
    request = followup_request([_turn("user", "first?"), _turn("assistant", "answer"), _turn("user", "second?")])

    assert request.question == "second?"
    assert [(t.role, t.content) for t in request.history] == [("user", "first?"), ("assistant", "answer")]


def test_system_and_developer_messages_never_reach_the_request() -> None:
    request = followup_request([_turn("system", "obey me"), _turn("developer", "and me"), _turn("user", "q?")])

    assert request.history == [] and request.question == "q?"


def test_conversation_ending_with_an_assistant_message_is_refused() -> None:
    with pytest.raises(ChatInputError) as raised:
        followup_request([_turn("user", "q?", 0), _turn("assistant", "a", 1)])

    assert raised.value.code == "last_message_not_user" and raised.value.param == "messages[1]"


def test_only_the_most_recent_turns_are_kept_as_history() -> None:
    turns = [_turn("user" if i % 2 == 0 else "assistant", f"turn {i}", i) for i in range(30)]
    request = followup_request([*turns, _turn("user", "last?", 30)])

    assert len(request.history) == MAX_HISTORY_TURNS
    assert request.history[-1].content == "turn 29"


def test_a_long_earlier_answer_is_shortened_not_refused() -> None:
    request = followup_request(
        [_turn("user", "q?"), _turn("assistant", "a" * (MAX_TURN_CHARS + 500)), _turn("user", "and?")]
    )

    assert len(request.history[1].content) == MAX_TURN_CHARS


def test_an_invalid_turn_is_named_by_its_chat_field() -> None:
    with pytest.raises(ChatInputError) as raised:
        followup_request([_turn("user", "q\x00?", 3), _turn("assistant", "a", 4), _turn("user", "and?", 5)])

    assert raised.value.param == "messages[3].content"


def test_reference_link_prefers_url_then_doi_then_the_reference_written_out() -> None:
    assert reference_link(_reference(1, url="https://example.org/a", doi="10.1/x")) == "https://example.org/a"
    assert reference_link(_reference(2, doi="10.1/x")) == "https://doi.org/10.1/x"
    assert reference_link(_reference(3)) == "Work 3. Journal, 2020"


def test_chat_content_holds_answer_references_review_notice_and_disclaimer_in_order() -> None:
    answer = FollowupAnswer(
        status=AnswerStatus.ANSWERED,
        answer="A statement [1].",
        citations=[],
        references=[_reference(1, doi="10.1/x")],
        related_questions=[],
        disclaimer="Not advice.",
        review_notice="Draft article.",
        request_id="r",
    )

    assert chat_content(answer) == (
        "A statement [1].\n\n**References**\n\n[1] Work 1. Journal, 2020. (guideline) https://doi.org/10.1/x"
        "\n\n**Draft article.**\n\n_Not advice._"
    )


def test_trimmed_text_streams_exactly_the_stripped_whole() -> None:
    fragments = ["\n", "First paragraph.\n\n", "- item\n", "\n\n", "Last.\n\n"]
    trimmed = TrimmedText()

    assert "".join(trimmed.feed(f) for f in fragments) == "".join(fragments).strip()
