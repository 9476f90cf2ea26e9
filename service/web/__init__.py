"""The chat page served at `/`: plain HTML, CSS and a few JavaScript ES modules, no build step, nothing from a CDN.

The page talks only to the public API (article search and view, streamed follow-ups) and to
`GET /v1/disclaimers`, the wording it shows under an article before any follow-up is asked.
"""

from service.web.routes import router

__all__ = ["router"]
