"""The learned second opinion on scope: the bundled model, and where the planner asks it.

The questions are written for these tests; none comes from the development set (evals/devset), the probe
batches, or the model's own training requests (evals/scope/requests.txt).
"""

from __future__ import annotations

import logging

import pytest

from ingest.embedding import Embedder
from service.answering.pipeline import AnswerService
from service.retrieval.index import LoadedIndex
from service.retrieval.retriever import Retriever
from service.schema import AnswerStatus, FollowupRequest
from service.triage.rule_changes import changes_the_rules
from service.triage.scope import is_non_medical_task, is_non_medical_topic
from service.triage.scope_model import ScopeModel, load_scope_model, scope_model_for

# No pattern of the scope check reads these as a task, a general topic or a rule change, and each has a medical word.
UNLISTED_REQUESTS = [
    "which pharmacy chain has the nicest staff uniforms",
    "recommend a good podcast for nurses on night shifts",
]
CLINICAL = "how long should apixaban be stopped before a hip replacement"


def test_the_bundled_model_fits_the_bundled_encoder(embedder: Embedder) -> None:
    model = scope_model_for(embedder.model_name, embedder.dimension)

    assert model is not None
    assert model.dimension == embedder.dimension


@pytest.mark.parametrize("request_text", UNLISTED_REQUESTS)
def test_the_model_reads_a_request_the_patterns_miss_as_out_of_scope(request_text: str, embedder: Embedder) -> None:
    assert not (
        is_non_medical_task(request_text) or is_non_medical_topic(request_text) or changes_the_rules(request_text)
    )
    assert load_scope_model().out_of_scope(embedder.embed_query(request_text))


def test_a_clinical_question_is_in_scope_for_the_model(embedder: Embedder) -> None:
    assert not load_scope_model().out_of_scope(embedder.embed_query(CLINICAL))


def test_the_planner_puts_an_unlisted_request_out_of_scope_without_searching(
    index: LoadedIndex, embedder: Embedder
) -> None:
    model = scope_model_for(embedder.model_name, embedder.dimension)
    service = AnswerService(index, Retriever(index, embedder), scope_model=model)

    plan = service.plan(FollowupRequest(question=UNLISTED_REQUESTS[0]))

    assert plan.outcome.status is AnswerStatus.OUT_OF_SCOPE
    assert plan.retrieval is None


def test_without_the_model_the_same_request_is_searched(index: LoadedIndex, embedder: Embedder) -> None:
    plan = AnswerService(index, Retriever(index, embedder)).plan(FollowupRequest(question=UNLISTED_REQUESTS[0]))

    assert plan.outcome.status is not AnswerStatus.OUT_OF_SCOPE


def test_a_question_naming_a_condition_is_not_read_by_the_model(index: LoadedIndex, embedder: Embedder) -> None:
    # The model alone reads "red flags for cauda equina" as no clinical question (Latin, and no corpus word).
    question = "what are the red flags for cauda equina"
    model = scope_model_for(embedder.model_name, embedder.dimension)
    assert model is not None and model.out_of_scope(embedder.embed_query(question))
    service = AnswerService(index, Retriever(index, embedder), scope_model=model)

    plan = service.plan(FollowupRequest(question=question))

    assert plan.outcome.status is not AnswerStatus.OUT_OF_SCOPE


def test_a_terse_follow_up_inside_a_conversation_is_not_read_by_the_model(
    index: LoadedIndex, embedder: Embedder
) -> None:
    # Alone, "K is 3.1" reads like no clinical question to the model; after a question on DKA it continues one.
    article = next(iter(index.articles))
    model = scope_model_for(embedder.model_name, embedder.dimension)
    assert model is not None and model.out_of_scope(embedder.embed_query("K is 3.1"))
    service = AnswerService(index, Retriever(index, embedder), scope_model=model)

    plan = service.plan(FollowupRequest(question="K is 3.1", article_id=article))

    assert plan.outcome.status is not AnswerStatus.OUT_OF_SCOPE


def test_another_embedding_model_gets_no_scope_model_and_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="vademecum.service"):
        model = scope_model_for("pubmedbert-base-embeddings", 768)

    assert model is None
    assert "scope model was trained over another embedding model" in caplog.text


def test_a_threshold_outside_zero_and_one_is_refused() -> None:
    with pytest.raises(ValueError, match="threshold"):
        ScopeModel.from_json('{"embedding_model": "m", "threshold": 1.5, "bias": 0, "weights": [0.1]}')
