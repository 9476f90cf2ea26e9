"""The load benchmark's chat leg: the same requests in OpenAI's shape, and the overhead it reports."""

from __future__ import annotations

from evals.bench_harness import Result
from evals.bench_service import CHAT, FOLLOWUPS, chat_body, chat_overhead


def test_chat_body_puts_history_before_the_question() -> None:
    history = [{"role": "user", "content": "first?"}, {"role": "assistant", "content": "an answer [1]"}]
    followup = {"question": "and then?", "history": history, "article_id": "sepsis", "audience": "patient"}

    body = chat_body(followup)

    assert body["messages"] == [*history, {"role": "user", "content": "and then?"}]
    assert (body["model"], body["article_id"], body["audience"]) == ("vademecum", "sepsis", "patient")


def test_chat_body_without_article_sends_no_article_id() -> None:
    assert "article_id" not in chat_body({"question": "what is sepsis?"})


def test_chat_overhead_compares_the_same_index_and_load_shape() -> None:
    followups = Result("corpus", f"{FOLLOWUPS} @ 60/s", 8, latencies_ms=[10.0, 10.0, 20.0], seconds=1.0)
    chat = Result("corpus", f"{CHAT} @ 60/s", 8, latencies_ms=[12.0, 12.0, 30.0], seconds=1.0)

    (line,) = chat_overhead([followups, chat])

    assert line.startswith("chat overhead [corpus, 8 clients @ 60/s]: p50 12.0 vs 10.0 ms (+2.0 ms, x1.20)")
