"""The chat page at `/` in a real headless Chromium, against a real `vademecum serve` over the corpus index.

Each test drives the page as a reader would (click, type, keyboard) and checks what the page shows and
what it sends. Failures are produced for real where they can be (Playwright's `page.route` answers the
stream request with a 500, or drops it), so the page is tested against a controlled failure.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from PIL import Image
from playwright.sync_api import expect

from ingest.settings import ChromaSettings
from tests.conftest import REPO
from tests.service.browser import chromium, page_for
from tests.service.conftest import CorpusIndex
from tests.service.helpers import markers
from tests.service.serving import Process, serve, service_env

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page, Route

pytestmark = pytest.mark.slow

ARTICLE = "breast-metastasis-obstruction"
FOLLOW_UP = "What is the role of dexamethasone?"
EMERGENCY = "my dad has crushing chest pain and is sweating right now"
STREAM = "**/v1/followups/stream"
# `make screenshot` sets this to docs/screenshot-chat.png; otherwise the screenshot goes to the test's tmp_path.
SCREENSHOT_TO = os.environ.get("VADEMECUM_SCREENSHOT")


@pytest.fixture(scope="module")
def server(corpus_index: CorpusIndex, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Process]:
    log = tmp_path_factory.mktemp("page-server") / "serve.log"
    process = serve(log, service_env(corpus_index.data_dir, ChromaSettings()))
    try:
        process.wait_for("/readyz", timeout_s=180)
        yield process
    finally:
        process.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    with page_for(browser, request) as opened:
        yield opened


@pytest.fixture(scope="module")
def article(server: Process) -> dict[str, Any]:
    response = httpx.get(f"{server.url}/v1/articles/{ARTICLE}", timeout=30)
    response.raise_for_status()
    data: dict[str, Any] = response.json()
    return data


def open_article(page: Page, server: Process, article_id: str = ARTICLE) -> None:
    page.goto(f"{server.url}/#/article/{article_id}")
    page.locator("#article-question").wait_for()


def ask(page: Page, question: str) -> None:
    """Type a follow-up, send it with Enter, and wait until its answer has finished streaming."""
    turns = page.locator(".turn").count()
    page.get_by_label("Your follow-up question").fill(question)
    page.get_by_label("Your follow-up question").press("Enter")
    page.locator(".turn").nth(turns).locator('.answer[aria-busy="false"]').wait_for()


def last_answer(page: Page) -> Locator:
    return page.locator(".turn").last.locator(".answer")


def test_article_view_shows_question_summary_and_cited_sections(
    page: Page, server: Process, article: dict[str, Any]
) -> None:
    open_article(page, server)

    expect(page.get_by_role("heading", level=1)).to_have_text(article["question"])
    expect(page.locator(".article__summary")).to_have_text(article["summary"])
    headings = [section["heading"] for section in article["sections"]]
    expect(page.locator(".article__section h3")).to_have_text(headings)
    cited = [str(n) for section in article["sections"] for claim in section["claims"] for n in claim["citations"]]
    expect(page.locator(".article__section a.cite")).to_have_text(cited)


def test_article_view_lists_typed_references_related_questions_review_status_and_disclaimer(
    page: Page, server: Process, article: dict[str, Any]
) -> None:
    open_article(page, server)

    references = page.locator(".references li")
    expect(references).to_have_count(len(article["references"]))
    expect(references.first.locator(".badge")).to_have_text(article["references"][0]["type"], ignore_case=True)
    expect(page.locator(".related li")).to_have_text([r["question"] for r in article["related_questions"]])
    expect(page.locator('.review__steps [aria-current="step"]')).to_have_text("Submitted")
    clinician = httpx.get(f"{server.url}/v1/disclaimers", timeout=30).json()["clinician"]
    expect(page.locator("#disclaimer-text")).to_have_text(clinician)
    expect(page.get_by_role("group", name="Which best describes you?")).to_be_visible()


def test_search_finds_an_article_and_opens_it(page: Page, server: Process) -> None:
    page.goto(server.url + "/")
    page.get_by_label("Search articles").fill("spinal cord compression")
    page.get_by_label("Search articles").press("Enter")
    result = page.locator(".result__title", has_text="Spinal Cord Compression").first
    expect(result).to_be_visible()
    title = result.text_content()
    result.click()

    expect(page.locator(".article__title")).to_have_text(title or "")
    expect(page.locator("#article-question")).to_be_focused()


def test_follow_up_streams_an_answer_with_its_citation_markers(page: Page, server: Process) -> None:
    open_article(page, server)
    with page.expect_response(STREAM) as streamed:
        ask(page, FOLLOW_UP)

    assert streamed.value.headers["content-type"].startswith("text/event-stream")
    expected = httpx.post(
        f"{server.url}/v1/followups", json={"question": FOLLOW_UP, "article_id": ARTICLE}, timeout=60
    ).json()
    answer = last_answer(page)
    assert [int(n) for n in answer.locator(".answer__body .marker").all_text_contents()] == markers(expected["answer"])
    expect(answer.locator(".reference-list li")).to_have_count(len(expected["references"]))
    expect(answer.locator(".answer__disclaimer")).to_have_text(expected["disclaimer"])


def test_citation_marker_opens_the_quoted_passage_and_its_reference(page: Page, server: Process) -> None:
    open_article(page, server)
    ask(page, FOLLOW_UP)
    expected = httpx.post(
        f"{server.url}/v1/followups", json={"question": FOLLOW_UP, "article_id": ARTICLE}, timeout=60
    ).json()
    marker = last_answer(page).locator(".marker").first
    n = int(marker.text_content() or "0")

    marker.click()

    panel = last_answer(page).locator(".source-panel")
    expect(panel).to_be_visible()
    expect(marker).to_have_attribute("aria-expanded", "true")
    quoted = [c["quote"] for c in expected["citations"] if n in c["reference_numbers"]]
    expect(panel.locator("blockquote")).to_have_text(quoted)
    reference = next(r for r in expected["references"] if r["n"] == n)
    expect(panel.locator(".reference__title")).to_have_text(reference["title"])


def test_escape_closes_the_source_and_returns_focus_to_its_marker(page: Page, server: Process) -> None:
    open_article(page, server)
    ask(page, FOLLOW_UP)
    marker = last_answer(page).locator(".marker").first
    marker.click()
    expect(last_answer(page).locator(".source-panel")).to_be_focused()

    page.keyboard.press("Escape")

    expect(last_answer(page).locator(".source-panel")).to_be_hidden()
    expect(marker).to_be_focused()
    expect(marker).to_have_attribute("aria-expanded", "false")


def test_related_question_is_sent_as_the_next_follow_up_with_the_history(page: Page, server: Process) -> None:
    open_article(page, server)
    ask(page, FOLLOW_UP)
    first_answer = last_answer(page).locator(".answer__body").inner_text()
    related = last_answer(page).locator("button.followup").first
    question = related.text_content() or ""

    with page.expect_request(STREAM) as sent:
        related.click()

    body = sent.value.post_data_json
    assert body is not None
    assert body["question"] == question
    assert [turn["role"] for turn in body["history"]] == ["user", "assistant"]
    assert body["history"][0]["content"] == FOLLOW_UP
    assert _words(body["history"][1]["content"])[:8] == _words(first_answer)[:8]
    expect(page.locator(".turn__question").last).to_contain_text(question)


def test_patient_audience_is_sent_with_follow_ups_and_changes_the_disclaimer(page: Page, server: Process) -> None:
    open_article(page, server)
    page.get_by_role("radio", name="Patient").check()

    with page.expect_request(STREAM) as sent:
        ask(page, FOLLOW_UP)

    body = sent.value.post_data_json
    assert body is not None and body["audience"] == "patient"
    patient = httpx.get(f"{server.url}/v1/disclaimers", timeout=30).json()["patient"]
    expect(page.locator("#disclaimer-text")).to_have_text(patient)
    expect(last_answer(page).locator(".answer__disclaimer")).to_have_text(patient)


def test_emergency_question_shows_an_alert_banner(page: Page, server: Process) -> None:
    open_article(page, server)
    page.get_by_role("radio", name="Patient").check()

    ask(page, EMERGENCY)

    banner = last_answer(page).get_by_role("alert")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Possible emergency")
    expect(banner).to_contain_text("Call emergency services now")


def test_keyboard_alone_asks_a_follow_up_and_opens_a_citation(page: Page, server: Process) -> None:
    open_article(page, server)
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to the follow-up question")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_label("Your follow-up question")).to_be_focused()
    page.keyboard.type(FOLLOW_UP)
    page.keyboard.press("Enter")
    page.locator('.answer[aria-busy="false"]').wait_for()

    # Back from the question box: the answer's follow-ups and references, then its citation markers.
    for _ in range(40):
        page.keyboard.press("Shift+Tab")
        if page.evaluate("document.activeElement.classList.contains('marker')"):
            break
    marker = page.locator(".marker:focus")
    expect(marker).to_be_focused()
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none", "focus is not visible"
    page.keyboard.press("Enter")
    expect(last_answer(page).locator(".source-panel")).to_be_focused()
    expect(last_answer(page).locator(".source-panel blockquote").first).to_be_visible()


def test_shift_enter_adds_a_line_without_sending(page: Page, server: Process) -> None:
    open_article(page, server)
    box = page.get_by_label("Your follow-up question")
    box.click()

    page.keyboard.type("first line")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("second line")

    assert box.input_value() == "first line\nsecond line"
    assert page.locator(".turn").count() == 0


def test_send_is_disabled_while_the_answer_streams(page: Page, server: Process) -> None:
    held: list[Route] = []

    def hold(route: Route) -> None:  # the request waits until the test lets it through
        held.append(route)

    page.route(STREAM, hold)
    open_article(page, server)
    page.get_by_label("Your follow-up question").fill(FOLLOW_UP)
    page.get_by_label("Your follow-up question").press("Enter")
    send = page.get_by_role("button", name="Send")
    expect(send).to_have_attribute("aria-disabled", "true")
    expect(last_answer(page)).to_have_attribute("aria-busy", "true")
    held[0].continue_()

    expect(last_answer(page)).to_have_attribute("aria-busy", "false")
    expect(send).to_have_attribute("aria-disabled", "false")


def test_a_failed_request_is_shown_as_an_error_with_a_retry(page: Page, server: Process) -> None:
    body = '{"code": "internal_error", "message": "the request could not be completed", "field": null}'
    page.route(STREAM, lambda route: route.fulfill(status=500, content_type="application/json", body=body))
    open_article(page, server)

    ask(page, FOLLOW_UP)

    error = last_answer(page).get_by_role("alert")
    expect(error).to_contain_text("500")
    expect(error).to_contain_text("the request could not be completed")
    expect(error.get_by_role("button", name="Try again")).to_be_visible()
    expect(page.get_by_role("button", name="Send")).to_have_attribute("aria-disabled", "false")


def test_an_unreachable_service_is_shown_as_an_error(page: Page, server: Process) -> None:
    page.route(STREAM, lambda route: route.abort("connectionrefused"))
    open_article(page, server)

    ask(page, FOLLOW_UP)

    expect(last_answer(page).get_by_role("alert")).to_contain_text("could not be reached")


def test_page_fits_a_phone_screen_with_the_chat_under_the_article(
    browser: Browser, server: Process, request: pytest.FixtureRequest
) -> None:
    with page_for(browser, request, width=390, height=844) as phone:
        open_article(phone, server)
        ask(phone, FOLLOW_UP)
        last_answer(phone).locator(".marker").first.click()

        assert phone.evaluate("document.documentElement.scrollWidth") <= 390, "the page scrolls sideways"
        article_box = phone.locator("#article").bounding_box()
        chat_box = phone.locator("#chat").bounding_box()
        assert article_box and chat_box
        assert chat_box["y"] >= article_box["y"] + article_box["height"]


def test_screenshot_of_an_answered_follow_up(
    browser: Browser, server: Process, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """The README's picture: an article beside a cited answer with one source open, 1200 px wide."""
    with page_for(browser, request, width=1200, height=1000) as page:
        open_article(page, server, "pulmonary-embolism-diagnosis")
        ask(page, "When should D-dimer be used?")
        answer = last_answer(page)
        answer.locator(".marker").last.click()
        expect(answer.locator(".source-panel blockquote").first).to_be_visible()
        # The open source at the foot of the chat column, the article from its question: both in one picture.
        answer.locator(".source-panel").evaluate("panel => panel.scrollIntoView({block: 'end'})")
        page.evaluate("window.scrollTo(0, 0)")

        target = REPO / SCREENSHOT_TO if SCREENSHOT_TO else tmp_path / "screenshot-chat.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        # 256 colours are plenty for text on flat colours, and keep the committed picture small.
        Image.open(io.BytesIO(page.screenshot())).quantize(256).save(target, optimize=True)
        assert Image.open(target).size == (1200, 1000)


def _words(text: str) -> list[str]:
    return text.replace("\n", " ").split()
