"""Prometheus metrics, one registry per app so that several apps (tests) never collide."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Histogram


@dataclass
class Metrics:
    registry: CollectorRegistry
    requests: Counter
    latency: Histogram
    answers: Counter
    embed_batch: Histogram

    @classmethod
    def create(cls) -> Metrics:
        registry = CollectorRegistry()
        return cls(
            registry=registry,
            requests=Counter("vademecum_http_requests_total", "HTTP requests", ["route", "code"], registry=registry),
            latency=Histogram(
                "vademecum_http_request_seconds",
                "HTTP request latency",
                ["route"],
                buckets=(0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2, 0.5, 1, 2, 5),
                registry=registry,
            ),
            answers=Counter("vademecum_answers_total", "answers by status", ["status"], registry=registry),
            embed_batch=Histogram(
                "vademecum_embed_batch_texts",
                "texts embedded per forward pass of the model (concurrent requests are batched)",
                buckets=(1, 2, 3, 4, 6, 8, 12, 16),
                registry=registry,
            ),
        )
