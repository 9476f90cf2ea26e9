"""Operational guards (service/http/guards.py): per-client rate limit, bound on concurrent answers, timeout.

Answers are held in flight deterministically by a composer whose gate the test opens (the real
extractive composer behind it); time for the token buckets comes from a clock the test advances.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ingest.embedding import Embedder
from ingest.settings import Settings
from service.answering.composition import ExtractiveComposer
from service.app import create_app
from service.handoffs import DraftItem, Passage, Query
from service.http.guards import RateLimitMiddleware, TokenBuckets
from tests.service.helpers import ANSWERED


def with_service(settings: Settings, **changes: Any) -> Settings:
    return settings.model_copy(update={"service": settings.service.model_copy(update=changes)})


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class GatedComposer:
    """The extractive composer, entered at once but held until the test opens the gate."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.entered = threading.Semaphore(0)
        self.inner = ExtractiveComposer()

    def stream(self, query: Query, passages: list[Passage], max_citations: int) -> Iterator[DraftItem | str]:
        self.entered.release()
        self.gate.wait(timeout=20)
        yield from self.inner.stream(query, passages, max_citations)

    def wait_entered(self, count: int) -> None:
        for _ in range(count):
            assert self.entered.acquire(timeout=20), "the answer never reached the composer"


@pytest.fixture(scope="module")
def unlimited_app(settings: Settings, embedder: Embedder) -> Iterator[FastAPI]:
    """An opened app without its own rate limit, for tests that wrap it in a limiter with a fake clock."""
    app = create_app(with_service(settings, rate_limit_per_second=0), embedder=embedder)
    with TestClient(app):
        yield app


def peer(app: Any, host: str) -> TestClient:
    """A client whose requests come from `host` (the app is already opened: no lifespan here)."""
    return TestClient(app, client=(host, 40000))


# --- rate limit ----------------------------------------------------------------------------------------


def test_burst_is_served_then_429_with_retry_after(settings: Settings, embedder: Embedder) -> None:
    app = create_app(with_service(settings, rate_limit_per_second=0.1, rate_limit_burst=3), embedder=embedder)
    with TestClient(app) as client:
        served = [client.get("/v1/articles").status_code for _ in range(3)]
        refused = client.get("/v1/articles")

    assert served == [200, 200, 200]
    assert refused.status_code == 429
    assert refused.json() == {"code": "rate_limited", "message": refused.json()["message"], "field": None}
    assert 1 <= int(refused.headers["Retry-After"]) <= 10


def test_bucket_refills_with_time(unlimited_app: FastAPI) -> None:
    clock = FakeClock()
    client = peer(RateLimitMiddleware(unlimited_app, per_second=2, burst=2, clock=clock), "10.0.0.1")

    burst = [client.get("/v1/articles").status_code for _ in range(3)]
    clock.now += 0.5  # one token back
    after_half_second = [client.get("/v1/articles").status_code for _ in range(2)]
    clock.now += 60  # full again, but never above the burst
    after_a_minute = [client.get("/v1/articles").status_code for _ in range(3)]

    assert burst == [200, 200, 429]
    assert after_half_second == [200, 429]
    assert after_a_minute == [200, 200, 429]


def test_retry_after_is_the_wait_for_the_next_token_in_whole_seconds(unlimited_app: FastAPI) -> None:
    clock = FakeClock()
    client = peer(RateLimitMiddleware(unlimited_app, per_second=0.25, burst=1, clock=clock), "10.0.0.1")

    client.get("/v1/articles")
    clock.now += 1.5  # 2.5 s to the next token
    refused = client.get("/v1/articles")

    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "3"


def test_each_client_has_its_own_bucket(unlimited_app: FastAPI) -> None:
    limited = RateLimitMiddleware(unlimited_app, per_second=1, burst=1, clock=FakeClock())
    first, second = peer(limited, "10.0.0.1"), peer(limited, "10.0.0.2")

    assert [first.get("/v1/articles").status_code for _ in range(2)] == [200, 429]
    assert second.get("/v1/articles").status_code == 200


def test_forwarded_for_header_does_not_choose_the_bucket(unlimited_app: FastAPI) -> None:
    client = peer(RateLimitMiddleware(unlimited_app, per_second=1, burst=1, clock=FakeClock()), "10.0.0.1")

    client.get("/v1/articles")
    spoofed = client.get("/v1/articles", headers={"X-Forwarded-For": "203.0.113.9"})

    assert spoofed.status_code == 429


def test_probes_are_exempt_from_the_rate_limit(unlimited_app: FastAPI) -> None:
    client = peer(RateLimitMiddleware(unlimited_app, per_second=1, burst=1, clock=FakeClock()), "10.0.0.1")
    client.get("/v1/articles")

    probes = [client.get(path).status_code for path in ("/healthz", "/readyz", "/metrics") * 3]

    assert probes == [200] * 9
    assert client.get("/v1/articles").status_code == 429


def test_idle_buckets_are_dropped() -> None:
    clock = FakeClock()
    buckets = TokenBuckets(per_second=1, burst=5, clock=clock)
    for n in range(1000):
        buckets.take(f"10.0.{n // 256}.{n % 256}")

    clock.now += 5  # every bucket is full again: the same as a new one
    buckets.take("10.9.9.9")

    assert len(buckets) == 1


def test_bucket_count_is_capped_under_many_clients() -> None:
    buckets = TokenBuckets(per_second=1, burst=5, clock=FakeClock(), max_keys=100)

    for n in range(1000):
        buckets.take(f"10.0.{n // 256}.{n % 256}")

    assert len(buckets) == 100


# --- concurrency bound and timeout ---------------------------------------------------------------------


def gated_client(settings: Settings, embedder: Embedder, **service: Any) -> tuple[Any, Any]:
    composer = GatedComposer()
    app = create_app(with_service(settings, rate_limit_per_second=0, **service), embedder=embedder, composer=composer)
    return app, composer


def post(client: TestClient) -> Any:  # the TestClient's response (httpx or httpx2)
    return client.post("/v1/followups", json=ANSWERED)


def test_answers_beyond_max_concurrent_get_503_at_once(settings: Settings, embedder: Embedder) -> None:
    app, composer = gated_client(settings, embedder, max_concurrent=2)
    with TestClient(app) as client, ThreadPoolExecutor(2) as pool:
        in_flight: list[Future[Any]] = [pool.submit(post, client) for _ in range(2)]
        composer.wait_entered(2)
        started = time.perf_counter()
        refused = post(client)
        waited = time.perf_counter() - started
        composer.gate.set()
        answered = [f.result(timeout=30) for f in in_flight]

    assert refused.status_code == 503
    assert refused.json() == {"code": "overloaded", "message": refused.json()["message"], "field": None}
    assert int(refused.headers["Retry-After"]) >= 1
    assert waited < 5, "refused at once, not queued behind the answers in flight"
    assert [r.status_code for r in answered] == [200, 200]


def test_slow_answer_gets_504_timeout(settings: Settings, embedder: Embedder) -> None:
    app, composer = gated_client(settings, embedder, request_timeout_s=0.3)
    with TestClient(app) as client, ThreadPoolExecutor(1) as pool:
        slow = pool.submit(post, client)
        composer.wait_entered(1)
        time.sleep(1.0)  # well past the 0.3 s deadline
        composer.gate.set()  # the work completes, but its answer is late
        response = slow.result(timeout=30)

    assert response.status_code == 504
    assert response.json() == {"code": "timeout", "message": response.json()["message"], "field": None}


def test_timed_out_work_keeps_its_slot_until_it_ends(settings: Settings, embedder: Embedder) -> None:
    app, composer = gated_client(settings, embedder, request_timeout_s=0.3, max_concurrent=1)
    with TestClient(app) as client, ThreadPoolExecutor(1) as pool:
        slow = pool.submit(post, client)
        composer.wait_entered(1)
        time.sleep(1.0)  # the first request has timed out; its worker thread is still in the composer
        while_working = post(client)
        composer.gate.set()
        timed_out = slow.result(timeout=30)
        after = post(client)

    assert timed_out.status_code == 504
    assert while_working.status_code == 503
    assert after.status_code == 200
