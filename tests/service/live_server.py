"""An app served by a real uvicorn on a free 127.0.0.1 port, in a thread of the test process.

For clients that speak HTTP themselves (the official `openai` client): requests go over a real socket,
through uvicorn's HTTP parsing and every middleware, while the app shares the session's embedder.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI

from tests.service.serving import free_port


@contextmanager
def live_server(app: FastAPI, timeout_s: float = 120) -> Iterator[str]:
    """Serve `app` until the block ends; yields its base URL. Signals stay with the main thread (uvicorn skips them)."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout_s
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("uvicorn stopped before it started serving (see the log above)")
        if time.monotonic() > deadline:
            server.should_exit = True
            raise TimeoutError(f"uvicorn did not start within {timeout_s} s")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
