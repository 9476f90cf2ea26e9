"""An in-process run over a small index: product and baselines, resumable, deterministic, gated."""

from __future__ import annotations

import json

import pytest

from evals.datasets import load_dataset
from evals.judge import CachedEmbedder, EmbeddingJudge
from evals.models import Case, CaseResult, DatasetKind, Judgments, RelevanceUnit, RunInfo
from evals.runner import RESULTS, RunMismatchError, run_eval
from evals.scoring import Scorer
from evals.systems import InProcessSystem
from ingest.embedding import Embedder
from ingest.settings import get_settings
from service.retrieval.index import LoadedIndex, open_index
from service.retrieval.retriever import Mode
from service.schema import AnswerStatus
from tests.evals.conftest import GOLDEN
from vademecum import main


@pytest.fixture(scope="module")
def index(small_index, embedder):
    from ingest.settings import ChromaSettings

    loaded = open_index(small_index, embedder, ChromaSettings())
    yield loaded
    loaded.close()


@pytest.fixture(scope="module")
def scorer(embedder) -> Scorer:
    vectors = CachedEmbedder(embedder)
    return Scorer(EmbeddingJudge(vectors), vectors)


def systems(index: LoadedIndex, embedder: Embedder) -> list[InProcessSystem]:
    return [
        InProcessSystem("product", index, embedder, Mode.HYBRID),
        InProcessSystem("bm25", index, embedder, Mode.BM25),
        InProcessSystem("dense", index, embedder, Mode.DENSE),
    ]


def info(index: LoadedIndex) -> RunInfo:
    return RunInfo(
        index_version=index.version,
        target="in-process",
        systems=["product", "bm25", "dense"],
        judge="j",
        datasets=["golden"],
    )


def test_a_run_scores_every_case_on_the_product_and_both_baselines(tmp_path, index, embedder, scorer):
    results = run_eval(
        [load_dataset(str(GOLDEN))], systems(index, embedder), scorer, tmp_path, info(index), progress=False
    )
    assert len(results) == 6 * 3
    product = {r.case_id: r for r in results if r.system == "product"}
    assert product["g-t-001"].status is AnswerStatus.ANSWERED
    assert product["g-t-001"].metrics.ndcg_10 and product["g-t-001"].metrics.article_hit_10 == 1.0
    assert product["g-t-001"].ranking[0].startswith("gout-flare#")
    assert product["g-t-004"].status is AnswerStatus.OUT_OF_SCOPE
    assert product["g-t-005"].status is AnswerStatus.EMERGENCY
    assert all(r.metrics.references_consistent == 1.0 and r.metrics.disclaimer_present == 1.0 for r in results)
    assert {r.system for r in results} == {"product", "bm25", "dense"}


def test_the_ranking_is_for_the_question_the_pipeline_searched_without_personal_details(index, embedder):
    product = InProcessSystem("product", index, embedder, Mode.HYBRID)
    judged = Judgments(unit=RelevanceUnit.SECTION, grades={"gout-flare|Treatment": 1})

    def ranking(question: str) -> list[str]:
        case = Case(id="c", dataset="d", kind=DatasetKind.GOLDEN, question=question, judgments=judged)
        return [p.passage_id for p in product.run(case).ranking]

    named = ranking("My patient Ferrous Kidney has a gout flare: what do I give first?")

    assert named and named == ranking("My patient has a gout flare: what do I give first?")


def test_a_second_run_resumes_and_gives_the_same_results(tmp_path, index, embedder, scorer):
    dataset = load_dataset(str(GOLDEN))
    first = run_eval([dataset], systems(index, embedder)[:1], scorer, tmp_path, info(index), limit=3, progress=False)
    lines = (tmp_path / RESULTS).read_text().splitlines()
    # An interrupted write leaves half a line: it is dropped and the case is run again.
    (tmp_path / RESULTS).write_text("\n".join(lines[:2]) + "\n" + lines[2][:40])
    again = run_eval([dataset], systems(index, embedder)[:1], scorer, tmp_path, info(index), limit=3, progress=False)
    assert len((tmp_path / RESULTS).read_text().splitlines()) == 3
    assert [_without_latency(r) for r in again] == [_without_latency(r) for r in first]


def _without_latency(result: CaseResult) -> tuple[object, ...]:
    """What a rerun must reproduce exactly; latency is the one measured figure."""
    metrics = result.metrics.model_copy(update={"latency_ms": None})
    return (result.case_id, result.status, result.answer, result.ranking, metrics)


def test_results_of_another_index_are_never_mixed_in(tmp_path, index, embedder, scorer):
    dataset = load_dataset(str(GOLDEN))
    run_eval([dataset], systems(index, embedder)[:1], scorer, tmp_path, info(index), limit=1, progress=False)
    other = info(index).model_copy(update={"index_version": "another"})
    with pytest.raises(RunMismatchError, match="--fresh"):
        run_eval([dataset], systems(index, embedder)[:1], scorer, tmp_path, other, limit=1, progress=False)


def test_the_eval_command_writes_reports_and_exits_non_zero_when_a_gate_fails(
    tmp_path, small_index, monkeypatch, capsys
):
    monkeypatch.setenv("VADEMECUM_DATA_DIR", str(small_index.root))
    get_settings.cache_clear()
    gate = tmp_path / "gate.toml"
    gate.write_text("[min]\nreferences_consistent = 1.0\nndcg_10 = 1.01\n")
    out = tmp_path / "run"
    try:
        code = main(["eval", str(GOLDEN), "--baseline", "bm25", "--out", str(out), "--quiet", "--gate", str(gate)])
    finally:
        get_settings.cache_clear()
    assert code == 1
    assert "GATE FAILED golden: ndcg_10" in capsys.readouterr().err
    summary = json.loads((out / "summary.json").read_text())
    assert set(summary["datasets"][0]["systems"]) == {"product", "bm25"}
    assert (out / "report.md").is_file() and list(out.glob("*.png"))
