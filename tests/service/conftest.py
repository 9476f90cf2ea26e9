"""Service fixtures: a real index built from corpus/ once per session, and the app served over it.

The index is ingested into a temporary data directory with the session embedder (the real MiniLM).
To keep repeated local runs fast, the previous session's build is copied in first when pytest's
cache has one: ingest then re-embeds only the passages whose text changed (and prunes articles no
longer in corpus/), so the index is still exactly what `vademecum ingest corpus/` produces.
Set VADEMECUM_TEST_FRESH_INDEX=1 to ignore the cache. Against a Chroma server (VADEMECUM_TEST_CHROMA_PORT,
see scripts/with-chroma-server) the cached build (always an embedded one) only lends its vectors: see
`_reuse_seed_on_server`; a server build is never cached, since its collections go with the throwaway server.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ingest.embedding import Embedder
from ingest.layout import DataDir
from ingest.pipeline import IngestOptions, run_ingest
from ingest.settings import ServiceSettings, Settings
from service.app import create_app
from service.retrieval.index import LoadedIndex
from tests.conftest import CORPUS, chroma_under_test, copy_encoders
from tests.ingest.articles import write_article

SEED_KEY = "vademecum-service-index"


@dataclass(frozen=True)
class CorpusIndex:
    data_dir: Path
    version: str
    articles: int


def _corpus_files() -> list[Path]:
    return [p for p in sorted(CORPUS.glob("*.md")) if p.name.lower() != "readme.md"]


@pytest.fixture(scope="session")
def corpus_index(
    tmp_path_factory: pytest.TempPathFactory, embedder: Embedder, encoders_dir: DataDir, request: pytest.FixtureRequest
) -> CorpusIndex:
    if not _corpus_files():
        pytest.fail("corpus/ holds no articles yet")
    root = tmp_path_factory.mktemp("service-index") / "data"
    seed = _seed_dir(request.config)
    chroma = chroma_under_test()
    data_dir = DataDir(root)
    if seed and seed.joinpath("ACTIVE").is_file() and not os.environ.get("VADEMECUM_TEST_FRESH_INDEX"):
        shutil.copytree(seed, root, ignore=shutil.ignore_patterns("LOCK"))
        if chroma.mode == "http":
            _reuse_seed_on_server(data_dir, embedder, tmp_path_factory.mktemp("seed-on-server"))
    report = run_ingest(
        [CORPUS], data_dir=data_dir, embedder=embedder, chroma=chroma, options=IngestOptions(prune=True)
    )
    pointer = data_dir.read_pointer()
    assert pointer is not None, f"ingest wrote no index: {report.not_written} {report.rejected}"
    copy_encoders(encoders_dir, data_dir)  # for the `vademecum serve` processes over it
    if seed and report.version and chroma.mode == "embedded":
        _save_seed(root, seed)
    return CorpusIndex(data_dir=root, version=pointer.version, articles=len(_corpus_files()))


def _seed_dir(config: pytest.Config) -> Path | None:
    """Where a built corpus index is kept between sessions: pytest's cache, when the cache plugin is on."""
    cache = getattr(config, "cache", None)  # absent under `-p no:cacheprovider`: build from scratch
    return Path(cache.mkdir(SEED_KEY)) / "data" if cache is not None else None


def _reuse_seed_on_server(data_dir: DataDir, embedder: Embedder, scratch: Path) -> None:
    """Write the embedded seed's passages to the Chroma server with the seed's own vectors.

    Ingest writes a version only when the articles change, and reuses the active version's vectors: one
    throwaway article makes it write a server version from the seed (embedding only that article), and the
    session's `--prune` ingest below then removes it, so the index served is still the corpus alone.
    """
    write_article(scratch, "zz-throwaway-seed-article")
    options = IngestOptions(prune=True)
    run_ingest([CORPUS, scratch], data_dir=data_dir, embedder=embedder, chroma=chroma_under_test(), options=options)


def _save_seed(built: Path, seed: Path) -> None:
    """Keep this build for the next session; a concurrent session may race us, which only costs time."""
    staging = seed.with_name(f"data.{os.getpid()}.tmp")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        shutil.copytree(built, staging, ignore=shutil.ignore_patterns("LOCK"))
        shutil.rmtree(seed, ignore_errors=True)
        staging.rename(seed)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)


@pytest.fixture(scope="session")
def settings(corpus_index: CorpusIndex) -> Settings:
    # Every request of the session client comes from one address ("testclient"): rate limiting has its own tests.
    return Settings(
        data_dir=corpus_index.data_dir,
        corpus_dir=CORPUS,
        chroma=chroma_under_test(),
        service=ServiceSettings(rate_limit_per_second=0),
    )


@pytest.fixture(scope="session")
def app(settings: Settings, embedder: Embedder) -> FastAPI:
    return create_app(settings, embedder=embedder)


@pytest.fixture(scope="session")
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def index(client: TestClient, app: FastAPI) -> LoadedIndex:
    """The index the session app opened."""
    loaded: LoadedIndex | None = app.state.service.index
    assert loaded is not None, app.state.service.not_ready
    return loaded


# Each test's phase reports, so a fixture can tell at teardown whether its test failed (the browser tests
# save a screenshot of the page then).
PHASE_REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report: pytest.TestReport = yield
    item.stash.setdefault(PHASE_REPORTS, {})[report.when] = report
    return report
