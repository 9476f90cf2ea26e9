"""Schemathesis over the app's own OpenAPI schema: valid and invalid requests for every operation.

Every response must conform to the schema (status documented, body matching its schema, content
type), no request may produce a 5xx, a request that breaks the schema must be refused, and every
4xx must be the JSON error `{code, message, field}`. Admin operations run without a key: each must
refuse (403, as no key is configured). Examples are bounded so the run stays well under a minute.

Cases are drawn with Hypothesis from schemathesis's per-operation strategies rather than through
`schemathesis.pytest.from_fixture`, whose lazy loader does not run under pytest 9.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import APIOperation, BaseSchema, Case, CheckContext, GenerationMode, Response
from schemathesis.checks import CheckFunction
from schemathesis.core.result import Ok
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import positive_data_acceptance

from ingest.embedding import Embedder
from ingest.settings import Settings
from service.app import create_app

EXAMPLES_PER_OPERATION = 20
# A chat's meaning is checked beyond its schema, as OpenAI does: a conversation with no user message, or one that
# ends with the assistant, is a schema-valid 400 (no_user_message, last_message_not_user, unsupported_content).
# On these routes a schema-valid body may therefore be refused; every other check still applies.
CHAT_TAGS = {"openai-compatible", "ai-sdk"}
Operation = APIOperation[Any, Any, Any, Any]


@pytest.fixture(scope="module")
def fuzzed_app(settings: Settings, embedder: Embedder) -> Iterator[FastAPI]:
    """An app of its own, whose lifespan schemathesis runs; no rate limit, so no 429 hides an answer.

    The body limit is raised too: a generated body above it gets a 413 (tested in test_abuse.py), which
    schemathesis does not count among the statuses that reject invalid data.
    """
    service = settings.service.model_copy(
        update={"rate_limit_per_second": 0.0, "admin_api_key": None, "max_body_bytes": 64 * 1024 * 1024}
    )
    yield create_app(settings.model_copy(update={"service": service}), embedder=embedder)
    asgi.shutdown_lifespans()


@pytest.fixture(scope="module")
def operations(fuzzed_app: FastAPI) -> list[Operation]:
    schema: BaseSchema = schemathesis.openapi.from_asgi("/openapi.json", fuzzed_app)
    found = [result.ok() for result in schema.get_all_operations() if isinstance(result, Ok)]
    assert len(found) >= 7, [op.label for op in found]
    return found


def error_shape(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """Every 4xx is the service's JSON error, whatever was sent (OpenAI's shape on the OpenAI-compatible routes)."""
    if 400 <= response.status_code < 500:
        body = response.json()
        if "openai-compatible" in (case.operation.tags or []):
            assert isinstance(body, dict) and set(body) == {"error"}, body
            body = {"field": body["error"]["param"], **body["error"]}
            assert set(body) == {"code", "message", "field", "param", "type"}, body
            return None
        assert isinstance(body, dict) and set(body) == {"code", "message", "field"}, body
        assert isinstance(body["code"], str) and isinstance(body["message"], str), body
    return None


def admin_refused_without_key(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    if "admin" in (case.operation.tags or []):
        assert response.status_code == 403, response.status_code
    return None


def exercise(operation: Operation, mode: GenerationMode) -> None:
    """Draw bounded cases of `mode` for `operation`, send each to the app, and validate the response."""

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Case[Any]) -> None:
        excluded: list[CheckFunction] = [positive_data_acceptance] if CHAT_TAGS & set(case.operation.tags or []) else []
        case.call_and_validate(additional_checks=[error_shape, admin_refused_without_key], excluded_checks=excluded)

    run()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
def test_every_operation_answers_as_its_schema_says(operations: list[Operation], mode: GenerationMode) -> None:
    failures: dict[str, str] = {}
    for operation in operations:
        try:
            exercise(operation, mode)
        except Unsatisfiable:
            # An operation without parameters or body (/healthz) has no request that breaks its schema.
            assert mode is GenerationMode.NEGATIVE and not operation.body and not operation.query, operation.label
        except (Exception, BaseExceptionGroup) as error:  # noqa: BLE001 - reported together below
            failures[operation.label] = f"{type(error).__name__}: {error}"[:3000]
    assert not failures, "\n\n".join(f"{label}\n{text}" for label, text in failures.items())
