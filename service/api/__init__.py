"""The routes, thin: each reads its request, calls into the rooms, and returns the typed answer.

`followups` (answers, JSON and streamed), `articles` (look-up and search), `health` (probes, metrics),
`admin` (upload, delete, reindex) and `deps` (the served index version a request holds, or a 503).
"""

__all__ = ["admin", "articles", "deps", "followups", "health"]
