"""The HTTP service: a follow-up question in, a cited answer out, read from the index versions ingest writes.

Top level: the app (`app`, `factory` for uvicorn's workers, `cli` for `vademecum serve` and `ask`), the public
API schema (`schema`), the internal hand-offs between the steps (`handoffs`) and the JSON logs (`logs`). The
work is in rooms, each a subpackage (see the README's Layout section for what flows between them).
"""

__all__ = [
    "answering",
    "api",
    "app",
    "chat",
    "cli",
    "factory",
    "handoffs",
    "http",
    "integrations",
    "logs",
    "retrieval",
    "runtime",
    "schema",
    "triage",
    "web",
]
