// Answers use a small Markdown subset: paragraphs, **bold**, "- " bullets, [n] citation markers, and
// backslash escapes for quoted brackets and asterisks (service/answering/markdown.py). Only that is rendered, and
// only as text nodes and elements: never as HTML.

import { el } from "./dom.js";

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
export function renderBlock(block, makeMarker) {
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
