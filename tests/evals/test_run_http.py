"""The HTTP mode: the same cases put to the app over its API, timed as a client sees them."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from evals.datasets import load_dataset
from evals.judge import CachedEmbedder, EmbeddingJudge
from evals.models import RunInfo
from evals.runner import run_eval
from evals.scoring import Scorer
from evals.systems import HttpSystem
from ingest.settings import Settings
from service.app import create_app
from service.schema import AnswerStatus
from tests.evals.conftest import GOLDEN


@pytest.fixture
def client(small_index, embedder):
    app = create_app(Settings(data_dir=small_index.root), embedder=embedder)
    with TestClient(app) as test_client:
        yield test_client


def test_an_http_run_scores_the_served_answers(tmp_path, client, embedder):
    system = HttpSystem(client)
    vectors = CachedEmbedder(embedder)
    info = RunInfo(
        index_version=system.index_version(),
        target="http://testserver",
        systems=["product"],
        judge="j",
        datasets=["golden"],
    )
    results = run_eval(
        [load_dataset(str(GOLDEN))], [system], Scorer(EmbeddingJudge(vectors), vectors), tmp_path, info, progress=False
    )
    by_id = {r.case_id: r for r in results}
    assert by_id["g-t-001"].status is AnswerStatus.ANSWERED and by_id["g-t-001"].ranking_source == "citations"
    assert by_id["g-t-001"].metrics.cited_article_hit == 1.0
    assert by_id["g-t-005"].status is AnswerStatus.EMERGENCY
    assert all(r.error is None and r.metrics.latency_ms and r.metrics.latency_ms > 0 for r in results)
