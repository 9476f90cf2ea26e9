// The Vademecum chat page: article search, the article view, and a follow-up chat that streams cited answers.
//
// It speaks only the public API: GET /v1/articles?q=, GET /v1/articles/{id}, GET /v1/disclaimers and
// POST /v1/followups/stream (server-sent events: meta, delta..., citations, references, related,
// disclaimer, then done or error). Every piece of server text reaches the page through textContent or
// text nodes, never innerHTML: answers quote a corpus, and a quote must never become markup.

const API = {
  search: "/v1/articles",
  article: (id) => `/v1/articles/${encodeURIComponent(id)}`,
  disclaimers: "/v1/disclaimers",
  stream: "/v1/followups/stream",
};

// The API keeps at most 20 prior turns of at most 8,000 characters each (FollowupRequest in service/models.py).
const MAX_HISTORY_TURNS = 20;
const MAX_TURN_CHARS = 8000;

const REFERENCE_TYPES = {
  guideline: "Guideline",
  research: "Research",
  review: "Review",
  "patient-education": "Patient education",
};
const REVIEW_STEPS = [
  ["submitted", "Submitted"],
  ["under_review", "Under review"],
  ["approved", "Approved"],
];
const STATUS_NOTES = {
  insufficient_evidence: "No evidence in the corpus answers this question",
  out_of_scope: "Outside what this service answers",
};

const state = {
  article: null, // the article being read, as GET /v1/articles/{id} returns it
  audience: "clinician",
  history: [], // [{role, content}], sent with the next follow-up
  streaming: false,
  disclaimers: null,
  turns: 0, // a counter for unique element ids
};

const $ = (id) => document.getElementById(id);

// ---- DOM helpers --------------------------------------------------------------------------------------

/** An element with attributes and children; strings become text nodes, so server text stays text. */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  node.append(...present(children));
  return node;
}

/** Children as given (arrays flattened), without the null and false left by optional parts. */
function present(children) {
  return children.flat(Infinity).filter((child) => child !== null && child !== undefined && child !== false);
}

function setChildren(node, ...children) {
  node.replaceChildren(...present(children));
}

/** A link only for http(s) addresses: a reference URL from the corpus must not run script. */
function safeUrl(address) {
  try {
    const url = new URL(address, location.origin);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
  } catch {
    return null;
  }
}

function formatDate(isoDate) {
  const date = new Date(`${isoDate}T00:00:00Z`);
  return new Intl.DateTimeFormat("en-US", { dateStyle: "long", timeZone: "UTC" }).format(date);
}

// ---- API ------------------------------------------------------------------------------------------------

/** The service's error body is {code, message, field}; say what it says rather than just a status code. */
async function responseError(response) {
  let detail = "";
  try {
    const body = await response.json();
    detail = body.message || body.code || "";
  } catch {
    detail = response.statusText;
  }
  return new Error(`the service answered ${response.status}${detail ? `: ${detail}` : ""}`);
}

async function getJson(url) {
  let response;
  try {
    response = await fetch(url, { headers: { accept: "application/json" } });
  } catch {
    throw new Error("the service could not be reached");
  }
  if (!response.ok) throw await responseError(response);
  return response.json();
}

/** Read a server-sent-events body, calling onEvent(name, data) per event as its bytes arrive. */
async function readEvents(response, onEvent) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let end;
    while ((end = buffer.indexOf("\n\n")) !== -1) {
      dispatchEvent(buffer.slice(0, end), onEvent);
      buffer = buffer.slice(end + 2);
    }
  }
  if (buffer.trim()) dispatchEvent(buffer, onEvent);
}

function dispatchEvent(block, onEvent) {
  let name = "message";
  let data = "";
  for (const line of block.split("\n")) {
    if (line.startsWith("event:")) name = line.slice(6).trim();
    else if (line.startsWith("data:")) data += line.slice(5).trimStart();
  }
  if (data) onEvent(name, JSON.parse(data));
}

// ---- answer Markdown ----------------------------------------------------------------------------------
// Answers use a small Markdown subset: paragraphs, **bold**, "- " bullets, [n] citation markers, and
// backslash escapes for quoted brackets and asterisks (service/citations.py). Only that is rendered.

const MARKER = /\[(\d+)\]/y;

/** Append `text` to `parent` as text nodes, <strong> and citation buttons made by `makeMarker(n)`. */
function renderInline(text, parent, makeMarker) {
  let target = parent;
  let plain = "";
  const flush = () => {
    if (plain) target.append(plain);
    plain = "";
  };
  for (let i = 0; i < text.length; ) {
    if (text[i] === "\\" && i + 1 < text.length) {
      plain += text[i + 1];
      i += 2;
    } else if (text.startsWith("**", i)) {
      flush();
      target = target === parent ? parent.appendChild(el("strong")) : parent;
      i += 2;
    } else {
      MARKER.lastIndex = i;
      const marker = MARKER.exec(text);
      if (marker) {
        flush();
        target.append(makeMarker(Number(marker[1])));
        i = MARKER.lastIndex;
      } else {
        plain += text[i];
        i += 1;
      }
    }
  }
  flush();
}

/** One block (text between blank lines) as nodes: a bold-only line is a heading, "- " lines a list. */
function renderBlock(block, makeMarker) {
  const lines = block.split("\n").filter((line) => line.trim());
  if (lines.length === 1 && /^\*\*[^*]+\*\*$/.test(lines[0])) {
    const heading = el("h4", { class: "answer__heading" });
    renderInline(lines[0].slice(2, -2), heading, makeMarker);
    return [heading];
  }
  const nodes = [];
  let list = null;
  for (const line of lines) {
    if (line.startsWith("- ")) {
      list = list || nodes[nodes.push(el("ul")) - 1];
      const item = list.appendChild(el("li"));
      renderInline(line.slice(2), item, makeMarker);
    } else {
      list = null;
      const paragraph = el("p");
      renderInline(line, paragraph, makeMarker);
      nodes.push(paragraph);
    }
  }
  return nodes;
}

// ---- references ---------------------------------------------------------------------------------------

function typeBadge(type) {
  return el("span", { class: `badge badge--${type}` }, REFERENCE_TYPES[type] || type);
}

/** A reference as the sample page shows it: type, title, then source and year, with a link when known. */
function referenceBody(reference) {
  const link = reference.doi ? safeUrl(`https://doi.org/${reference.doi}`) : safeUrl(reference.url || "");
  const title = link
    ? el("a", { href: link, rel: "noopener noreferrer", target: "_blank" }, reference.title)
    : reference.title;
  const source = [reference.source, reference.year].filter(Boolean).join(", ");
  return [typeBadge(reference.type), el("cite", { class: "reference__title" }, title), el("span", { class: "reference__source" }, source)];
}

// ---- article view ---------------------------------------------------------------------------------------

function renderArticle(article) {
  const view = $("article");
  setChildren(view,
    el("p", { class: "eyebrow" }, article.specialty.replace(/-/g, " ")),
    el("h1", { id: "article-question", tabindex: "-1" }, article.question),
    renderReview(article),
    renderAudience(),
    el("h2", { class: "article__title" }, article.title),
    el("p", { class: "article__summary" }, article.summary),
    article.sections.map(renderSection),
    renderArticleReferences(article.references),
    renderArticleRelated(article.related_questions),
    el("section", { class: "disclaimer", "aria-labelledby": "disclaimer-heading" },
      el("h2", { id: "disclaimer-heading" }, ""),
      el("p", { id: "disclaimer-text" }, "")),
  );
  view.hidden = false;
  updateDisclaimer();
  document.title = `${article.title} · Vademecum`;
}

function renderReview(article) {
  const current = REVIEW_STEPS.findIndex(([value]) => value === article.review_status);
  const pending = article.review_status !== "approved";
  return el("section", { class: `review${pending ? " review--pending" : ""}`, "aria-label": "Article review status" },
    pending ? el("p", { class: "review__note" }, "Educational purpose only · Exercise caution: this article is pending clinical review") : null,
    el("ol", { class: "review__steps" },
      REVIEW_STEPS.map(([value, label], index) => el("li", {
        class: index < current ? "done" : index === current ? "current" : "",
        "aria-current": index === current ? "step" : null,
      }, label))),
    article.last_updated ? el("p", { class: "review__date" }, `Last updated: ${formatDate(article.last_updated)}`) : null,
  );
}

function renderAudience() {
  const option = (value, label) => el("label", { class: "audience__option" },
    el("input", { type: "radio", name: "audience", value, checked: state.audience === value, onchange: chooseAudience }),
    label);
  return el("fieldset", { class: "audience" },
    el("legend", {}, "Which best describes you?"),
    el("p", { class: "audience__hint" }, "Your choice sets the wording of answers and their disclaimer."),
    el("div", { class: "audience__options" }, option("clinician", "Clinician"), option("patient", "Patient")));
}

function chooseAudience(event) {
  state.audience = event.target.value;
  updateDisclaimer();
}

function renderSection(section) {
  const nodes = [el("h3", {}, section.heading)];
  let group;
  let list = null;
  for (const claim of section.claims) {
    // Bullets sit under their lead-in line ("For oligometastatic disease:"), as on the article page.
    if (!list || claim.group !== group) {
      group = claim.group;
      if (group) nodes.push(el("p", { class: "claim-group" }, group));
      list = el("ul", { class: "claims" });
      nodes.push(list);
    }
    list.append(el("li", {}, claim.text, " ", claim.citations.map(citationLink)));
  }
  return el("section", { class: "article__section" }, nodes);
}

function citationLink(n) {
  return el("a", { class: "cite", href: `#ref-${n}`, "data-jump": `ref-${n}`, "aria-label": `reference ${n}` }, String(n));
}

function renderArticleReferences(references) {
  return el("section", { class: "references", "aria-labelledby": "references-heading" },
    el("h2", { id: "references-heading" }, "References"),
    el("ol", { class: "reference-list" },
      references.map((reference) => el("li", { id: `ref-${reference.n}`, tabindex: "-1", value: reference.n },
        referenceBody(reference)))));
}

function renderArticleRelated(related) {
  if (!related.length) return null;
  return el("section", { class: "related", "aria-labelledby": "related-heading" },
    el("h2", { id: "related-heading" }, "Related questions"),
    el("ul", { class: "related__list" },
      related.map((item) => el("li", {},
        item.article_id ? el("a", { href: `#/article/${item.article_id}` }, item.question) : item.question))));
}

function updateDisclaimer() {
  const heading = $("disclaimer-heading");
  if (!heading || !state.disclaimers) return;
  heading.textContent = state.audience === "clinician" ? "Professional medical disclaimer" : "Health information disclaimer";
  $("disclaimer-text").textContent = state.disclaimers[state.audience];
}

// ---- search and navigation ----------------------------------------------------------------------------

async function runSearch(query) {
  const section = $("results");
  const status = $("results-status");
  const list = $("results-list");
  section.hidden = false;
  status.textContent = "Searching…";
  status.classList.remove("error");
  const params = new URLSearchParams({ q: query, limit: "100" });
  try {
    const found = await getJson(`${API.search}?${params}`);
    list.replaceChildren(...found.results.map((hit) => el("li", { class: "result" },
      el("a", { href: `#/article/${hit.id}`, class: "result__title" }, hit.title),
      el("p", { class: "result__question" }, hit.question),
      el("span", { class: "eyebrow" }, hit.specialty.replace(/-/g, " ")))));
    status.textContent = found.total
      ? query ? `${found.total} article${found.total === 1 ? "" : "s"} for “${query}”` : `${found.total} articles`
      : `No article matches “${query}”.`;
  } catch (error) {
    list.replaceChildren();
    status.textContent = `The search failed: ${error.message}.`;
    status.classList.add("error");
  }
}

async function openArticle(id, { focus }) {
  $("results").hidden = true;
  const view = $("article");
  try {
    const article = await getJson(API.article(id));
    if (state.article?.id !== article.id) resetConversation();
    state.article = article;
    renderArticle(article);
    $("chat-intro").textContent = "Answers quote the guideline corpus, starting from this article; every statement carries its source.";
    // A reader who chose the article goes to it; on first load the tab order starts at the top instead.
    if (focus) $("article-question").focus();
  } catch (error) {
    state.article = null;
    view.replaceChildren(el("p", { class: "error", role: "alert" }, `The article could not be loaded: ${error.message}.`));
    view.hidden = false;
  }
}

function showHome() {
  state.article = null;
  $("article").hidden = true;
  document.title = "Vademecum: cited answers from clinical guidelines";
  $("chat-intro").textContent = "Ask about anything in the guideline corpus; every statement carries its source.";
  runSearch($("search-input").value.trim());
}

/** #/article/{id} opens an article; other fragments (#ref-3) are in-page jumps handled by `jumpTo`. */
function route({ focus = true } = {}) {
  const match = location.hash.match(/^#\/article\/([a-z0-9-]+)$/);
  if (match) openArticle(match[1], { focus });
  else if (!location.hash || location.hash === "#/") showHome();
}

/** Move focus to an element on the page without touching the URL, which holds the article being read. */
function jumpTo(event) {
  const link = event.target.closest("a[data-jump]");
  if (!link) return;
  const target = $(link.dataset.jump);
  if (!target) return;
  event.preventDefault();
  target.focus();
  target.scrollIntoView({ block: "center" });
}

// ---- the conversation ---------------------------------------------------------------------------------

/** One question and its streamed answer, with the citations that arrive after the text. */
class Turn {
  constructor(question) {
    this.id = `turn-${++state.turns}`;
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

function resetConversation() {
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
async function ask(question, articleId = state.article?.id) {
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

function onQuestionKey(event) {
  // Enter sends; Shift+Enter is a new line; Enter that confirms an input-method composition is neither.
  if (event.key !== "Enter" || event.shiftKey || event.isComposing) return;
  event.preventDefault();
  $("ask-form").requestSubmit();
}

function onAsk(event) {
  event.preventDefault();
  const box = $("question");
  if (state.streaming || !box.value.trim()) return;
  const question = box.value;
  box.value = "";
  ask(question);
}

// ---- start ----------------------------------------------------------------------------------------------

async function start() {
  document.addEventListener("click", jumpTo);
  $("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    runSearch($("search-input").value.trim());
  });
  $("ask-form").addEventListener("submit", onAsk);
  $("question").addEventListener("keydown", onQuestionKey);
  window.addEventListener("hashchange", () => route());
  try {
    state.disclaimers = await getJson(API.disclaimers);
  } catch {
    state.disclaimers = null; // the article still shows; each answer carries its own disclaimer
  }
  route({ focus: false });
  document.body.dataset.ready = "true";
}

start();
