"""Hot reload: a background thread that switches the service to a new ACTIVE index version without a restart.

`vademecum ingest`, `vademecum index rollback` and the admin endpoints all switch versions by rewriting
the ACTIVE pointer; every `reload_interval_s` this thread asks ServiceState.reload() to look at it. A
thread rather than an asyncio task: opening a version reads files and Chroma for a second or more, which
must not run on the event loop, and the thread needs nothing from the loop.
"""

from __future__ import annotations

import logging
import threading

from service.runtime.state import ServiceState

log = logging.getLogger("vademecum.service")


class Reloader:
    def __init__(self, state: ServiceState, interval_s: float) -> None:
        self._state = state
        self._interval_s = interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start polling; an interval of 0 disables hot reload (the version opened at startup is kept)."""
        if self._interval_s <= 0 or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="vademecum-reload", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 30.0) -> None:
        self._stop.set()
        if self._thread is not None:
            # A version being opened finishes first; it is then closed with the state.
            self._thread.join(timeout=timeout_s)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self._interval_s):
            try:
                self._state.reload()
            except Exception:  # the poller must outlive any one failed look at the pointer
                log.error("index reload failed", exc_info=True)
