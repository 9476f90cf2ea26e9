// The public API the page speaks: JSON reads, and the server-sent events of a streamed follow-up answer.

export const API = {
  search: "/v1/articles",
  article: (id) => `/v1/articles/${encodeURIComponent(id)}`,
  disclaimers: "/v1/disclaimers",
  stream: "/v1/followups/stream",
};

/** The service's error body is {code, message, field}; say what it says rather than just a status code. */
export async function responseError(response) {
  let detail = "";
  try {
    const body = await response.json();
    detail = body.message || body.code || "";
  } catch {
    detail = response.statusText;
  }
  return new Error(`the service answered ${response.status}${detail ? `: ${detail}` : ""}`);
}

export async function getJson(url) {
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
export async function readEvents(response, onEvent) {
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
