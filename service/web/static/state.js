// What the page remembers between views: the article being read, the reader's audience, the conversation.

export const state = {
  article: null, // the article being read, as GET /v1/articles/{id} returns it
  audience: "clinician",
  history: [], // [{role, content}], sent with the next follow-up
  streaming: false,
  disclaimers: null,
};
