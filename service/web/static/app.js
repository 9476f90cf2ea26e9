// The Vademecum chat page: article search, the article view, and a follow-up chat that streams cited answers.
//
// It speaks only the public API: GET /v1/articles?q=, GET /v1/articles/{id}, GET /v1/disclaimers and
// POST /v1/followups/stream (server-sent events: meta, delta..., citations, references, related,
// disclaimer, then done or error). Every piece of server text reaches the page through textContent or
// text nodes, never innerHTML: answers quote a corpus, and a quote must never become markup.
//
// This entry module wires the page's events; the parts live in article.js (search, article view,
// routing), chat.js (the streamed conversation), markdown.js and references.js (rendering), dom.js
// (safe element building), api.js (requests and server-sent events) and state.js (what is remembered).

import { API, getJson } from "./api.js";
import { jumpTo, route, runSearch } from "./article.js";
import { onAsk, onQuestionKey } from "./chat.js";
import { $ } from "./dom.js";
import { state } from "./state.js";

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
