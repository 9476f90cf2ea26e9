// The article side of the page: search results, the article view with its references and disclaimer, and
// the #/article/{id} routing that opens an article (a new article starts a new conversation).

import { API, getJson } from "./api.js";
import { resetConversation } from "./chat.js";
import { $, el, formatDate, setChildren } from "./dom.js";
import { referenceBody } from "./references.js";
import { state } from "./state.js";

const REVIEW_STEPS = [
  ["submitted", "Submitted"],
  ["under_review", "Under review"],
  ["approved", "Approved"],
];

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

export async function runSearch(query) {
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
export function route({ focus = true } = {}) {
  const match = location.hash.match(/^#\/article\/([a-z0-9-]+)$/);
  if (match) openArticle(match[1], { focus });
  else if (!location.hash || location.hash === "#/") showHome();
}

/** Move focus to an element on the page without touching the URL, which holds the article being read. */
export function jumpTo(event) {
  const link = event.target.closest("a[data-jump]");
  if (!link) return;
  const target = $(link.dataset.jump);
  if (!target) return;
  event.preventDefault();
  target.focus();
  target.scrollIntoView({ block: "center" });
}
