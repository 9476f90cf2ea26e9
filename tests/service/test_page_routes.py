"""The chat page's files over HTTP: content types, revalidation, the same-origin policy, and nothing else served."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.answering.wording import disclaimer
from service.schema import Audience

STATIC = Path(__file__).resolve().parents[2] / "service" / "web" / "static"
# `import "./x.js"`, `import {...} from "./x.js"` and `export {...} from "./x.js"`: the quoted specifier.
MODULE_IMPORT = re.compile(r'^\s*(?:import\s+|(?:import|export)\b[^;"]*\bfrom\s+)"([^"]+)"', re.MULTILINE)
# Ways a string becomes markup or code; the page builds every node with createElement and text nodes.
MARKUP_SINKS = re.compile(r"\.(?:inner|outer)HTML\b|\.insertAdjacentHTML\(|document\.write|\beval\(|\bnew Function\(")


def _served_modules(client: TestClient) -> dict[str, str]:
    """Every module the page's script loads, found by following imports from app.js over HTTP."""
    found: dict[str, str] = {}
    pending = ["app.js"]
    while pending:
        name = pending.pop()
        response = client.get(f"/static/{name}")
        assert response.status_code == 200, f"{name} is imported but not served"
        assert response.headers["content-type"] == "text/javascript; charset=utf-8"
        found[name] = response.text
        for specifier in MODULE_IMPORT.findall(response.text):
            assert specifier.startswith("./") and "/" not in specifier[2:], f"{name} imports {specifier!r}"
            if specifier[2:] not in found:
                pending.append(specifier[2:])
    return found


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


def test_every_module_the_script_imports_is_served_from_the_same_directory(client: TestClient) -> None:
    modules = _served_modules(client)

    assert {"app.js", "chat.js", "article.js"} <= set(modules)


def test_every_script_module_in_the_package_is_loaded_by_the_page(client: TestClient) -> None:
    assert set(_served_modules(client)) == {path.name for path in STATIC.glob("*.js")}


def test_the_script_never_writes_markup_from_strings(client: TestClient) -> None:
    found = {name: MARKUP_SINKS.findall(text) for name, text in _served_modules(client).items()}

    assert {name: sinks for name, sinks in found.items() if sinks} == {}


def test_the_markup_check_recognises_a_sink() -> None:
    assert MARKUP_SINKS.findall("view.innerHTML = answer; // never innerHTML") == [".innerHTML"]


@pytest.mark.parametrize("name", ["index.html", "routes.py", "..%2Froutes.py", "missing.js"])
def test_only_the_page_assets_are_served_under_static(client: TestClient, name: str) -> None:
    response = client.get(f"/static/{name}")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_disclaimers_give_the_wording_of_each_audience(client: TestClient) -> None:
    response = client.get("/v1/disclaimers")

    assert response.status_code == 200
    assert response.json() == {audience.value: disclaimer(audience) for audience in Audience}
