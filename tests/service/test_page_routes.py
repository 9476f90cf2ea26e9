"""The chat page's files over HTTP: content types, revalidation, the same-origin policy, and nothing else served."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from service.answering.wording import disclaimer
from service.schema import Audience


@pytest.mark.parametrize(
    ("path", "media_type"),
    [("/", "text/html"), ("/static/app.js", "text/javascript"), ("/static/styles.css", "text/css")],
)
def test_page_files_are_served_with_their_content_type(client: TestClient, path: str, media_type: str) -> None:
    response = client.get(path)

    assert response.status_code == 200
    assert response.headers["content-type"] == f"{media_type}; charset=utf-8"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_page_files_are_revalidated_not_served_stale(client: TestClient) -> None:
    first = client.get("/static/app.js")

    again = client.get("/static/app.js", headers={"If-None-Match": first.headers["etag"]})

    assert first.headers["cache-control"] == "no-cache"
    assert again.status_code == 304
    assert again.content == b""


def test_a_changed_file_is_sent_again(client: TestClient) -> None:
    response = client.get("/static/styles.css", headers={"If-None-Match": '"an-older-version"'})

    assert response.status_code == 200
    assert response.content


def test_page_allows_scripts_and_connections_to_its_own_origin_only(client: TestClient) -> None:
    policy = client.get("/").headers["content-security-policy"]

    assert "default-src 'none'" in policy
    assert "script-src 'self'" in policy
    assert "connect-src 'self'" in policy


def test_page_loads_nothing_from_another_origin(client: TestClient) -> None:
    html = client.get("/").text

    assert "http://" not in html and "https://" not in html
    assert 'src="/static/app.js"' in html and 'href="/static/styles.css"' in html


@pytest.mark.parametrize("name", ["index.html", "routes.py", "..%2Froutes.py", "missing.js"])
def test_only_the_page_assets_are_served_under_static(client: TestClient, name: str) -> None:
    response = client.get(f"/static/{name}")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_disclaimers_give_the_wording_of_each_audience(client: TestClient) -> None:
    response = client.get("/v1/disclaimers")

    assert response.status_code == 200
    assert response.json() == {audience.value: disclaimer(audience) for audience in Audience}
