"""A chat conversation in, a follow-up request out; a follow-up answer in, the text a chat UI shows out.

Chat protocols send the whole conversation with every request. The last user message is the question;
the user and assistant turns before it are its history (the pipeline resolves "and in pregnancy?" with
the previous user turn). System and developer messages are accepted, because every chat UI sends one,
and never obeyed: nothing a client writes there changes what the corpus says, so they are dropped here
and never reach the pipeline. Tool messages are dropped too: no tools are offered.

A chat UI may show only the message text, so that text carries everything an answer must carry: the
answer with its [n] markers, the numbered reference list, any review notice and the disclaimer.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError

from service.answering.markdown import escape_markdown
from service.schema import (
    MAX_HISTORY_TURNS,
    Audience,
    FollowupAnswer,
    FollowupRequest,
    ReferenceEntry,
)

# The longest turn the pipeline takes (service.models.Turn). Earlier assistant turns are this service's
# own answers, reference list and disclaimer included, and only the user turns are read for context:
# an assistant turn above it is shortened rather than refused.
MAX_TURN_CHARS = 8000
# Roles whose messages are accepted and ignored.
IGNORED_ROLES = frozenset({"system", "developer", "tool", "function"})


class ChatInputError(Exception):
    """A conversation the pipeline cannot take: 400 with a stable code and the request field at fault."""

    def __init__(self, message: str, code: str, param: str | None, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.param = param
        self.status = status


@dataclass(frozen=True)
class ChatTurn:
    """One message of a chat, whatever the protocol: its role, its text, and where it sits in the request."""

    role: str
    text: str
    where: str  # the request field it came from, e.g. "messages[2].content", for error messages


def followup_request(
    turns: list[ChatTurn],
    *,
    article_id: str | None = None,
    audience: Audience = Audience.CLINICIAN,
    max_citations: int | None = None,
) -> FollowupRequest:
    """The follow-up request a conversation asks: its last user message, with the turns before it."""
    spoken = [turn for turn in turns if turn.role not in IGNORED_ROLES]
    if not any(turn.role == "user" for turn in spoken):
        raise ChatInputError("the conversation holds no user message to answer", "no_user_message", "messages")
    last = spoken[-1]
    if last.role != "user":
        message = f"the conversation must end with the user's question; it ends with a {last.role} message"
        raise ChatInputError(message, "last_message_not_user", last.where.removesuffix(".content"))
    earlier = [turn for turn in spoken[:-1] if turn.text.strip()]
    # Only the most recent turns: a long conversation is still answered, and the pipeline reads the last user turn.
    history = earlier[-MAX_HISTORY_TURNS:]
    body = {
        "question": last.text,
        "history": [{"role": turn.role, "content": _turn_text(turn)} for turn in history],
        "article_id": article_id,
        "audience": audience,
        "max_citations": max_citations,
    }
    try:
        return FollowupRequest.model_validate(body)
    except ValidationError as error:
        raise _input_error(error, last, history) from None


def _turn_text(turn: ChatTurn) -> str:
    if turn.role == "assistant" and len(turn.text) > MAX_TURN_CHARS:
        return turn.text[:MAX_TURN_CHARS]
    return turn.text


def _input_error(error: ValidationError, question: ChatTurn, history: list[ChatTurn]) -> ChatInputError:
    """The first validation problem, named by the chat request's own field."""
    first = error.errors()[0]
    location = first.get("loc", ())
    param: str | None = ".".join(str(part) for part in location) or None
    if location[:1] == ("question",):
        param = question.where
    elif location[:1] == ("history",) and len(location) > 1 and isinstance(location[1], int):
        param = history[location[1]].where
    kind = str(first.get("type", ""))
    code = "context_length_exceeded" if kind == "string_too_long" else "invalid_request"
    return ChatInputError(f"{param}: {first.get('msg', 'invalid value')}", code, param)


def reference_link(reference: ReferenceEntry) -> str:
    """Where a reference can be read: its URL, else its DOI as a link, else the reference written out."""
    if reference.url:
        return reference.url
    if reference.doi:
        return f"https://doi.org/{reference.doi}"
    return reference_text(reference)


def reference_text(reference: ReferenceEntry) -> str:
    year = f", {reference.year}" if reference.year else ""
    return f"{reference.title}. {reference.source}{year}"


def chat_content(answer: FollowupAnswer) -> str:
    """The whole message a chat UI shows: the answer, then what every answer carries."""
    return answer.answer + content_tail(answer)


def content_tail(answer: FollowupAnswer) -> str:
    """What follows the answer text: the numbered reference list, any review notice, the disclaimer."""
    parts: list[str] = []
    if answer.references:
        entries = ["**References**"]
        for reference in answer.references:
            entry = escape_markdown(f"{reference_text(reference)}. ({reference.type.value})")
            doi = f"https://doi.org/{reference.doi}" if reference.doi else None
            links = "".join(f" {link}" for link in (reference.url, doi) if link)
            entries.append(f"[{reference.n}] {entry}{links}")
        # A blank line between entries: each stays its own paragraph in every Markdown renderer.
        parts.append("\n\n".join(entries))
    if answer.review_notice:
        parts.append(f"**{answer.review_notice}**")
    parts.append(f"_{answer.disclaimer}_")
    return "".join(f"\n\n{part}" for part in parts)


class TrimmedText:
    """Passes streamed fragments on so that their concatenation equals the stripped whole.

    The pipeline streams paragraphs ending in blank lines and strips the finished answer; holding back
    trailing whitespace until more text follows makes the streamed message equal the non-streamed one.
    """

    def __init__(self) -> None:
        self._pending = ""
        self._started = False

    def feed(self, fragment: str) -> str:
        text = self._pending + fragment
        if not self._started:
            text = text.lstrip()
        stripped = text.rstrip()
        self._pending = text[len(stripped) :]
        if stripped:
            self._started = True
        return stripped
