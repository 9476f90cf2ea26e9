"""Fixtures of the evals tests: a small index of two test articles, built once per module that asks."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.layout import DataDir
from ingest.pipeline import run_ingest
from ingest.settings import ChromaSettings
from tests.conftest import copy_encoders

DATA = Path(__file__).parent / "data"
GOLDEN = DATA / "golden.jsonl"


@pytest.fixture(scope="module")
def small_index(tmp_path_factory, embedder, encoders_dir) -> DataDir:
    """An index of tests/evals/data/articles (two short articles written for these tests)."""
    data_dir = DataDir(tmp_path_factory.mktemp("evals") / "data")
    report = run_ingest([DATA / "articles"], data_dir=data_dir, embedder=embedder, chroma=ChromaSettings())
    assert report.ok and report.version, report.rejected
    copy_encoders(encoders_dir, data_dir)  # for the `vademecum eval` and `serve` processes over it
    return data_dir
