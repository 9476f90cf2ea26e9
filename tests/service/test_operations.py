"""Probes and metrics: /healthz, /readyz (with the reason when not ready), /metrics."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from ingest.embedding import Embedder
from ingest.settings import Settings
from service.app import create_app
from service.retrieval.index import LoadedIndex
from tests.service.helpers import ANSWERED


def test_healthz_reports_the_process_alive(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_readyz_reports_the_opened_index(client: TestClient, index: LoadedIndex) -> None:
    body = client.get("/readyz").json()

    assert body["ready"] is True
    assert body["version"] == index.version
    assert body["passages"] == len(index.chunks) > 0


def test_readyz_gives_the_reason_when_the_data_dir_is_empty(tmp_path: Path, embedder: Embedder) -> None:
    app = create_app(Settings(data_dir=tmp_path / "empty"), embedder=embedder)
    with TestClient(app) as client:
        response = client.get("/readyz")
        healthz = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["ready"] is False
    assert "no index" in response.json()["reason"]
    assert healthz.status_code == 200


def test_followups_are_refused_as_json_503_when_not_ready(tmp_path: Path, embedder: Embedder) -> None:
    app = create_app(Settings(data_dir=tmp_path / "empty"), embedder=embedder)
    with TestClient(app) as client:
        response = client.post("/v1/followups", json=ANSWERED)

    assert response.status_code == 503
    assert response.json()["code"] == "not_ready"
    assert "no index" in response.json()["message"]


def test_metrics_count_requests_by_route_and_answers_by_status(client: TestClient) -> None:
    client.post("/v1/followups", json=ANSWERED)

    text = client.get("/metrics").text

    assert 'vademecum_http_requests_total{code="200",route="/v1/followups"}' in text
    assert 'vademecum_answers_total{status="answered"}' in text
    assert "vademecum_http_request_seconds_bucket" in text
    assert "vademecum_embed_batch_texts_count" in text
