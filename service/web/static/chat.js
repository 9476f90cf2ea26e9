// The follow-up chat: each question becomes a turn whose answer streams in, rendered block by block, with
// its citation markers opening the quoted source passage.

import { API, readEvents, responseError } from "./api.js";
import { $, el, setChildren } from "./dom.js";
import { renderBlock } from "./markdown.js";
import { referenceBody } from "./references.js";
import { state } from "./state.js";

// The API keeps at most 20 prior turns of at most 8,000 characters each (FollowupRequest in service/models.py).
const MAX_HISTORY_TURNS = 20;
const MAX_TURN_CHARS = 8000;

const STATUS_NOTES = {
  insufficient_evidence: "No evidence in the corpus answers this question",
  out_of_scope: "Outside what this service answers",
};

let turnCount = 0; // for unique element ids

/** One question and its streamed answer, with the citations that arrive after the text. */
class Turn {
  constructor(question) {
    this.id = `turn-${++turnCount}`;
    this.question = question;
    this.text = "";
    this.consumed = 0; // how much of `text` is already rendered (rendering is append-only for aria-live)
    this.status = null;
    this.citations = [];
    this.references = [];
    this.openMarker = null;
    this.body = el("div", { class: "answer__body", "aria-live": "polite" });
    this.progress = el("p", { class: "answer__progress" }, "Answering…");
    this.panel = el("section", { class: "source-panel", id: `${this.id}-source`, tabindex: "-1", hidden: true,
      "aria-labelledby": `${this.id}-source-heading`, onkeydown: (event) => this.closeOnEscape(event) });
    this.extras = el("div", { class: "answer__extras" });
    this.answer = el("div", { class: "answer", "aria-busy": "true" }, this.progress, this.body, this.panel, this.extras);
    this.node = el("li", { class: "turn", id: this.id },
      el("p", { class: "turn__question" }, el("span", { class: "visually-hidden" }, "You asked: "), question),
      this.answer);
  }

  handle(name, data) {
    if (name === "meta") this.status = data.status;
    else if (name === "delta") this.addText(data.text);
    else if (name === "citations") this.citations = data.citations;
    else if (name === "references") this.references = data.references;
    else if (name === "related") this.related = data.related_questions;
    else if (name === "disclaimer") this.notices = data;
    else if (name === "done" || name === "error") this.finish(name, data);
  }

  addText(text) {
    this.text += text;
    this.renderBlocks(false);
  }

  /** Render the blocks completed so far; a block still arriving waits, so a [12] is never split. */
  renderBlocks(final) {
    let rest = this.text.slice(this.consumed);
    let end;
    while ((end = rest.indexOf("\n\n")) !== -1) {
      this.appendBlock(rest.slice(0, end));
      this.consumed += end + 2;
      rest = rest.slice(end + 2);
    }
    if (final) {
      this.appendBlock(rest);
      this.consumed = this.text.length;
    }
  }

  appendBlock(block) {
    if (!block.trim()) return;
    const nodes = renderBlock(block.trim(), (n) => this.marker(n));
    // An emergency answer opens with what to do now: that paragraph becomes an alert banner of its own.
    if (this.status === "emergency" && !this.banner) {
      this.banner = el("div", { class: "emergency", role: "alert" },
        el("p", { class: "emergency__title" }, "Possible emergency"), nodes);
      this.answer.insertBefore(this.banner, this.body);
      return;
    }
    this.body.append(...nodes);
  }

  marker(n) {
    return el("button", { type: "button", class: "marker", "data-n": n, "aria-label": `Source ${n}`,
      "aria-expanded": "false", "aria-controls": this.panel.id, onclick: (event) => this.toggleSource(n, event.currentTarget),
      onkeydown: (event) => this.closeOnEscape(event) }, String(n));
  }

  finish(name, data) {
    this.status = data.status;
    this.renderBlocks(true);
    this.progress.remove();
    this.answer.setAttribute("aria-busy", "false");
    if (STATUS_NOTES[this.status]) {
      this.answer.insertBefore(el("p", { class: "answer__status" }, STATUS_NOTES[this.status]), this.answer.firstChild);
    }
    this.renderExtras();
    if (name === "error") this.showError(`${data.message} The parts that could be composed are shown above.`);
    this.finalAnswer = name === "done" ? data.answer : null;
  }

  renderExtras() {
    const extras = [];
    if (this.references.length) {
      extras.push(el("h4", {}, "References"),
        el("ol", { class: "reference-list reference-list--compact" },
          this.references.map((reference) => el("li", { value: reference.n }, referenceBody(reference)))));
    }
    if (this.notices?.review_notice) extras.push(el("p", { class: "notice" }, this.notices.review_notice));
    if (this.notices?.disclaimer) extras.push(el("p", { class: "answer__disclaimer" }, this.notices.disclaimer));
    if (this.related?.length) {
      extras.push(el("h4", {}, "Ask next"),
        el("ul", { class: "followups" }, this.related.map((item) => el("li", {},
          el("button", { type: "button", class: "followup", onclick: () => ask(item.question, item.article_id) },
            item.question)))));
    }
    setChildren(this.extras, extras);
  }

  showError(message, retry) {
    this.progress.remove();
    this.answer.setAttribute("aria-busy", "false");
    this.answer.append(el("div", { class: "error", role: "alert" },
      el("p", {}, `The answer could not be completed: ${message}`),
      retry ? el("button", { type: "button", class: "button", onclick: retry }, "Try again") : null));
  }

  toggleSource(n, button) {
    if (this.openMarker === button) return this.closeSource();
    this.openMarker?.setAttribute("aria-expanded", "false");
    this.openMarker = button;
    button.setAttribute("aria-expanded", "true");
    setChildren(this.panel, this.sourceContent(n));
    this.panel.hidden = false;
    this.panel.focus(); // the passage follows the answer text: take the reader there, Escape brings them back
  }

  sourceContent(n) {
    const quoted = this.citations.filter((citation) => citation.reference_numbers.includes(n));
    const reference = this.references.find((entry) => entry.n === n);
    return [
      el("div", { class: "source-panel__bar" },
        el("h4", { id: `${this.id}-source-heading` }, `Source ${n}`),
        el("button", { type: "button", class: "button button--small", onclick: () => this.closeSource() }, "Close")),
      quoted.length || reference ? null : el("p", {}, "The source arrives with the end of the answer."),
      quoted.map((citation) => el("figure", { class: "quote" },
        el("blockquote", {}, citation.quote),
        el("figcaption", {}, `${citation.article_title} · ${citation.section}`))),
      reference ? el("p", { class: "source-panel__reference" }, referenceBody(reference)) : null,
    ];
  }

  closeSource() {
    this.panel.hidden = true;
    const marker = this.openMarker;
    this.openMarker = null;
    marker?.setAttribute("aria-expanded", "false");
    marker?.focus();
  }

  closeOnEscape(event) {
    if (event.key === "Escape" && this.openMarker) {
      event.preventDefault();
      this.closeSource();
    }
  }
}

export function resetConversation() {
  state.history = [];
  $("conversation").replaceChildren();
}

/** Remember a completed exchange for the next follow-up, within the API's limits. */
function remember(question, answer) {
  state.history.push({ role: "user", content: question.slice(0, MAX_TURN_CHARS) });
  state.history.push({ role: "assistant", content: answer.slice(0, MAX_TURN_CHARS) });
  state.history = state.history.slice(-MAX_HISTORY_TURNS);
}

/** While an answer streams, sending is off (not `disabled`, which would throw keyboard focus away). */
function setStreaming(streaming) {
  state.streaming = streaming;
  $("ask-form").setAttribute("aria-busy", String(streaming));
  for (const button of document.querySelectorAll("#send, .followup")) {
    button.setAttribute("aria-disabled", String(streaming));
  }
  $("ask-status").textContent = streaming ? "Answering…" : "";
}

/** Send a follow-up and stream its answer into a new turn of the conversation. */
export async function ask(question, articleId = state.article?.id) {
  question = question.trim();
  if (!question || state.streaming) return;
  const turn = new Turn(question);
  $("conversation").append(turn.node);
  turn.node.scrollIntoView({ block: "nearest" });
  const request = { question, audience: state.audience, history: state.history };
  if (articleId) request.article_id = articleId;
  setStreaming(true);
  try {
    let response;
    try {
      response = await fetch(API.stream, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "text/event-stream" },
        body: JSON.stringify(request),
      });
    } catch {
      throw new Error("the service could not be reached");
    }
    if (!response.ok) throw await responseError(response);
    await readEvents(response, (name, data) => turn.handle(name, data));
    if (turn.finalAnswer) remember(question, turn.finalAnswer.answer);
    else if (turn.answer.getAttribute("aria-busy") === "true") throw new Error("the answer stopped before it was complete");
  } catch (error) {
    const retry = () => {
      turn.node.remove();
      ask(question, articleId);
    };
    turn.showError(`${error.message}.`, retry);
  } finally {
    setStreaming(false);
  }
}

export function onQuestionKey(event) {
  // Enter sends; Shift+Enter is a new line; Enter that confirms an input-method composition is neither.
  if (event.key !== "Enter" || event.shiftKey || event.isComposing) return;
  event.preventDefault();
  $("ask-form").requestSubmit();
}

export function onAsk(event) {
  event.preventDefault();
  const box = $("question");
  if (state.streaming || !box.value.trim()) return;
  const question = box.value;
  box.value = "";
  ask(question);
}
