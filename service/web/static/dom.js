// Building the page's DOM safely: strings become text nodes, links are only ever http(s) addresses.
//
// Every piece of server text reaches the page through these helpers (text nodes or textContent), never
// innerHTML: answers quote a corpus, and a quote must never become markup.

export const $ = (id) => document.getElementById(id);

/** An element with attributes and children; strings become text nodes, so server text stays text. */
export function el(tag, attrs = {}, ...children) {
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

export function setChildren(node, ...children) {
  node.replaceChildren(...present(children));
}

/** A link only for http(s) addresses: a reference URL from the corpus must not run script. */
export function safeUrl(address) {
  try {
    const url = new URL(address, location.origin);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
  } catch {
    return null;
  }
}

export function formatDate(isoDate) {
  const date = new Date(`${isoDate}T00:00:00Z`);
  return new Intl.DateTimeFormat("en-US", { dateStyle: "long", timeZone: "UTC" }).format(date);
}
