"""Admin endpoints through real HTTP: upload, delete and reindex write real index versions the app then serves.

Each test gets its own copy of a small three-article index (ingested once per module with the real model)
and an app with hot-reload polling off, so anything served after an admin call was switched to by the
call itself.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ingest.embedding import Embedder
from ingest.layout import DataDir, WriterLock
from ingest.pipeline import run_ingest
from ingest.settings import ChromaSettings, ServiceSettings, Settings
from ingest.version import read_articles
from service.app import create_app
from tests.ingest.articles import article_text, write_article, write_corpus
from tests.ingest.faults import truncate_embeddings

KEY = "admin-key-for-tests"
HEADERS = {"X-API-Key": KEY}
MIGRAINE = article_text("migraine").encode()
# The native loader rejects it: a bullet cites reference 7, which the article does not list.
INVALID = article_text("broken", bullets=["A claim that cites a missing reference [7]"]).encode()


@dataclass
class Admin:
    client: TestClient
    data_dir: DataDir
    corpus: Path

    def pointer(self) -> bytes:
        return self.data_dir.pointer_path.read_bytes()

    def versions(self) -> set[str]:
        return {p.name for p in self.data_dir.versions.iterdir()}

    def served_version(self) -> str:
        return str(self.client.get("/readyz").json()["version"])


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> DataDir:
    root = tmp_path_factory.mktemp("admin")
    data_dir = DataDir(root / "data")
    write_corpus(root / "corpus")
    report = run_ingest([root / "corpus"], data_dir=data_dir, embedder=embedder, chroma=ChromaSettings())
    assert report.ok and report.version
    return data_dir


def _settings(tmp_path: Path, key: str | None) -> Settings:
    service = ServiceSettings(admin_api_key=key, reload_interval_s=0, rate_limit_per_second=0)  # type: ignore[arg-type]
    return Settings(data_dir=tmp_path / "data", corpus_dir=tmp_path / "corpus", service=service)


@pytest.fixture
def admin(tmp_path: Path, pristine: DataDir, embedder: Embedder) -> Iterator[Admin]:
    shutil.copytree(pristine.root, tmp_path / "data")
    write_corpus(tmp_path / "corpus")
    with TestClient(create_app(_settings(tmp_path, KEY), embedder=embedder)) as client:
        yield Admin(client, DataDir(tmp_path / "data"), tmp_path / "corpus")


def test_upload_without_a_key_is_401_and_writes_nothing(admin: Admin) -> None:
    before = admin.pointer()

    response = admin.client.post("/v1/articles", content=MIGRAINE)

    assert response.status_code == 401
    assert response.json() == {
        "code": "unauthorized",
        "message": "a valid X-API-Key header is required",
        "field": "X-API-Key",
    }
    assert admin.pointer() == before


def test_upload_with_a_wrong_key_is_401(admin: Admin) -> None:
    response = admin.client.post("/v1/articles", content=MIGRAINE, headers={"X-API-Key": KEY + "x"})

    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


def test_every_admin_endpoint_is_403_when_no_key_is_configured(
    tmp_path: Path, pristine: DataDir, embedder: Embedder
) -> None:
    shutil.copytree(pristine.root, tmp_path / "data")
    with TestClient(create_app(_settings(tmp_path, None), embedder=embedder)) as client:
        responses = [
            client.post("/v1/articles", content=MIGRAINE, headers=HEADERS),
            client.delete("/v1/articles/asthma", headers=HEADERS),
            client.post("/v1/reindex", headers=HEADERS),
        ]

    assert [r.status_code for r in responses] == [403, 403, 403]
    for response in responses:
        assert response.json()["code"] == "admin_disabled"
        assert "VADEMECUM_SERVICE__ADMIN_API_KEY" in response.json()["message"]


def test_upload_writes_a_new_version_and_the_app_serves_it_at_once(admin: Admin) -> None:
    before = admin.served_version()

    response = admin.client.post("/v1/articles", content=MIGRAINE, headers={**HEADERS, "Content-Type": "text/markdown"})

    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["article_id"], body["changed"], body["added"]) == ("migraine", True, ["migraine"])
    assert body["version"] != before and body["serving"] == body["version"]
    assert admin.served_version() == body["version"]
    assert admin.client.get("/v1/articles/migraine").json()["title"] == "How should an acute migraine be treated"


def test_an_uploaded_article_is_cited_in_answers(admin: Admin) -> None:
    admin.client.post("/v1/articles", content=MIGRAINE, headers=HEADERS)

    answer = admin.client.post("/v1/followups", json={"question": "Which drugs treat an acute migraine attack?"})

    assert answer.status_code == 200
    assert "migraine" in {c["article_id"] for c in answer.json()["citations"]}


def test_an_invalid_upload_is_422_naming_the_problem_and_changes_nothing(admin: Admin) -> None:
    before, versions = admin.pointer(), admin.versions()

    response = admin.client.post("/v1/articles", content=INVALID, headers=HEADERS)

    assert response.status_code == 422
    body = response.json()
    assert (body["code"], body["field"]) == ("invalid_article", "body")
    assert "cites [7], not in the reference list" in body["message"]
    assert "nothing was changed" in body["message"]
    assert (admin.pointer(), admin.versions()) == (before, versions)
    assert admin.client.get("/v1/articles/broken").status_code == 404


def test_an_upload_without_front_matter_is_422_saying_so(admin: Admin) -> None:
    response = admin.client.post("/v1/articles", content=b"# Just a heading\n\n- a claim [1]\n", headers=HEADERS)

    assert response.status_code == 422
    assert "missing front matter" in response.json()["message"]


def test_uploading_an_unchanged_article_is_200_and_writes_no_version(admin: Admin) -> None:
    versions = admin.versions()

    response = admin.client.post("/v1/articles", content=(admin.corpus / "asthma.md").read_bytes(), headers=HEADERS)

    assert response.status_code == 200, response.text
    assert (response.json()["changed"], response.json()["unchanged"]) == (False, 1)
    assert admin.versions() == versions


def test_delete_writes_a_version_without_the_article_and_serves_it(admin: Admin) -> None:
    response = admin.client.delete("/v1/articles/asthma", headers=HEADERS)

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["removed"], body["passages_embedded"]) == (["asthma"], 0)  # every other vector reused
    assert admin.served_version() == body["version"]
    assert admin.client.get("/v1/articles/asthma").status_code == 404
    assert set(read_articles(admin.data_dir.active_version_dir())) == {"hyperkalaemia", "sepsis"}


def test_delete_of_an_absent_article_is_404_and_writes_nothing(admin: Admin) -> None:
    before = admin.pointer()

    response = admin.client.delete("/v1/articles/no-such-article", headers=HEADERS)

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert admin.pointer() == before


def test_reindex_ingests_the_corpus_folder_and_serves_the_result(admin: Admin) -> None:
    write_article(admin.corpus, "migraine")

    response = admin.client.post("/v1/reindex", headers=HEADERS)

    assert response.status_code == 200, response.text
    assert (response.json()["added"], response.json()["unchanged"]) == (["migraine"], 3)
    assert admin.client.get("/v1/articles/migraine").status_code == 200


def test_an_admin_change_while_another_ingest_holds_the_lock_is_409_at_once(admin: Admin) -> None:
    before = admin.pointer()
    with WriterLock(admin.data_dir):  # what a running `vademecum ingest` holds
        started = time.monotonic()
        responses = [
            admin.client.post("/v1/articles", content=MIGRAINE, headers=HEADERS),
            admin.client.delete("/v1/articles/asthma", headers=HEADERS),
            admin.client.post("/v1/reindex", headers=HEADERS),
        ]
        elapsed = time.monotonic() - started

    assert [r.status_code for r in responses] == [409, 409, 409]
    assert {r.json()["code"] for r in responses} == {"busy"}
    assert "another ingest is writing" in responses[0].json()["message"]
    assert elapsed < 5  # refused, not queued behind the lock
    assert admin.pointer() == before


def test_reindex_on_a_corrupt_index_is_409_and_reindex_with_rebuild_repairs_it_and_makes_the_app_ready(
    tmp_path: Path, pristine: DataDir, embedder: Embedder
) -> None:
    shutil.copytree(pristine.root, tmp_path / "data")
    write_corpus(tmp_path / "corpus")
    data_dir = DataDir(tmp_path / "data")
    corrupt = data_dir.active_version_dir().name
    truncate_embeddings(data_dir.version_dir(corrupt))
    with TestClient(create_app(_settings(tmp_path, KEY), embedder=embedder)) as client:
        assert client.get("/readyz").status_code == 503

        refused = client.post("/v1/reindex", headers=HEADERS)
        repaired = client.post("/v1/reindex", params={"rebuild": "true"}, headers=HEADERS)
        ready = client.get("/readyz")

    assert (refused.status_code, refused.json()["code"]) == (409, "index_corrupt")
    assert "rebuild=true" in refused.json()["message"]
    assert repaired.status_code == 200, repaired.text
    assert any(f"index version {corrupt} is corrupt" in w for w in repaired.json()["warnings"])
    assert ready.status_code == 200 and ready.json()["version"] == repaired.json()["version"]
