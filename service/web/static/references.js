// A reference entry, shown the same way under the article and under each answer.

import { el, safeUrl } from "./dom.js";

const REFERENCE_TYPES = {
  guideline: "Guideline",
  research: "Research",
  review: "Review",
  "patient-education": "Patient education",
};

function typeBadge(type) {
  return el("span", { class: `badge badge--${type}` }, REFERENCE_TYPES[type] || type);
}

/** A reference as the sample page shows it: type, title, then source and year, with a link when known. */
export function referenceBody(reference) {
  const link = reference.doi ? safeUrl(`https://doi.org/${reference.doi}`) : safeUrl(reference.url || "");
  const title = link
    ? el("a", { href: link, rel: "noopener noreferrer", target: "_blank" }, reference.title)
    : reference.title;
  const source = [reference.source, reference.year].filter(Boolean).join(", ");
  return [typeBadge(reference.type), el("cite", { class: "reference__title" }, title), el("span", { class: "reference__source" }, source)];
}
