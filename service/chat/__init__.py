"""Chat front ends on top of the follow-up pipeline: the protocols chat UIs already speak.

`conversation` turns a chat's messages into a `FollowupRequest` (the last user message is the question,
the earlier turns its history) and renders a `FollowupAnswer` as the text a chat UI shows. `openai` speaks
OpenAI chat completions (`POST /v1/chat/completions`), `ai_sdk` the Vercel AI SDK UI message stream, and
`errors` gives OpenAI clients their error shape. The routers are in `service.api.chat` and
`service.api.ai_sdk`; the pipeline, limits and guards are the same as for `/v1/followups`.
"""

from service.chat.conversation import ChatInputError, ChatTurn, chat_content, followup_request, reference_link

__all__ = ["ChatInputError", "ChatTurn", "chat_content", "followup_request", "reference_link"]
