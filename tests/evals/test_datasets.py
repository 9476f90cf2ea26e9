"""Dataset readers: the three formats, and malformed lines reported with file, line and reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.datasets import DatasetError, load_dataset, read_beir, read_golden, read_kqa
from evals.models import DatasetKind, RelevanceUnit
from service.schema import AnswerStatus
from tests.evals.conftest import GOLDEN

KQA_LINE = {
    "Question": "Can I take ibuprofen for gout?",
    "Free_form_answer": "Usually yes, if your kidneys are healthy.",
    "Must_have": ["Ibuprofen can treat gout flares", " "],
    "Nice_to_have": ["Take it with food"],
    "ICD_10_diag": "M10.9",
}


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_golden_reader_builds_cases_with_section_judgments():
    cases = read_golden(GOLDEN)
    first = cases[0]
    assert (first.id, first.kind, first.expected_status) == ("g-t-001", DatasetKind.GOLDEN, AnswerStatus.ANSWERED)
    assert first.judgments is not None and first.judgments.unit is RelevanceUnit.SECTION
    assert first.judgments.grades == {"gout-flare#First-Line Drugs": 2}
    assert first.judgments.expected_articles == ("gout-flare",)


def test_golden_reader_reports_every_malformed_line_with_file_line_and_reason(tmp_path):
    good = GOLDEN.read_text(encoding="utf-8").splitlines()[0]
    missing_answer = json.loads(good) | {"id": "g-t-900", "must_have": []}
    path = write_lines(tmp_path / "bad.jsonl", [good, "{not json", json.dumps(missing_answer), good])
    with pytest.raises(DatasetError) as raised:
        read_golden(path)
    reasons = [str(issue) for issue in raised.value.issues]
    assert reasons[0].startswith(f"{path}:2: invalid JSON")
    assert reasons[1].startswith(f"{path}:3:") and "must_have" in reasons[1]
    assert reasons[2] == f"{path}:4: duplicate id 'g-t-001' (first on line 1)"


def test_kqa_reader_keeps_statements_and_drops_blank_ones(tmp_path):
    path = write_lines(tmp_path / "kqa.jsonl", [json.dumps(KQA_LINE)])
    (case,) = read_kqa(path)
    assert case.must_have == ("Ibuprofen can treat gout flares",)
    assert case.nice_to_have == ("Take it with food",)
    assert case.golden_answer and case.expected_status is None and case.specialty == "ICD-10 M"


def test_kqa_reader_reports_a_line_without_must_have(tmp_path):
    broken = {k: v for k, v in KQA_LINE.items() if k != "Must_have"}
    path = write_lines(tmp_path / "kqa.jsonl", [json.dumps(KQA_LINE), json.dumps(broken)])
    with pytest.raises(DatasetError, match=r"kqa.jsonl:2: 'Must_have' must be a list of strings"):
        read_kqa(path)


def test_beir_reader_grades_source_ids_and_skips_unjudged_queries(tmp_path):
    write_lines(
        tmp_path / "queries.jsonl",
        [
            json.dumps({"_id": "6", "text": "Is  gout hereditary?"}),
            json.dumps({"_id": "7", "text": "no judgments for me"}),
        ],
    )
    write_lines(
        tmp_path / "qrels.tsv",
        [
            "query-id\tqa-id\tscore",
            "6\tGHR_0000001_Sec1\t3",
            "6\tGHR_0000001_Sec2\t1",
            "6\tCDC_0000009_Sec4\t0",
        ],
    )
    (case,) = read_beir(tmp_path)
    assert (case.id, case.question) == ("q6", "Is gout hereditary?")
    assert case.judgments is not None
    assert case.judgments.grades == {"GHR_0000001_Sec1": 3, "GHR_0000001_Sec2": 1, "CDC_0000009_Sec4": 0}
    assert case.judgments.expected_articles == ("GHR_0000001",)


def test_beir_reader_reports_a_bad_score(tmp_path):
    write_lines(tmp_path / "queries.jsonl", [json.dumps({"_id": "6", "text": "q"})])
    write_lines(tmp_path / "qrels.tsv", ["query-id\tqa-id\tscore", "6\tGHR_0000001_Sec1\thigh"])
    with pytest.raises(DatasetError, match=r"qrels.tsv:2: score 'high' is not an integer"):
        read_beir(tmp_path)


def test_load_dataset_tells_the_kind_from_the_layout(tmp_path):
    kqa = write_lines(tmp_path / "k.jsonl", [json.dumps(KQA_LINE)])
    assert load_dataset(str(kqa)).kind is DatasetKind.KQA
    assert load_dataset(str(GOLDEN)).kind is DatasetKind.GOLDEN
    with pytest.raises(DatasetError, match="no such file"):
        load_dataset(str(tmp_path / "absent.jsonl"))


@pytest.mark.shared
def test_the_shared_kqa_and_liveqa_dev_sets_load(shared_dir):
    kqa = load_dataset(str(shared_dir / "data" / "kqa-dev" / "questions_w_answers.dev.jsonl"))
    liveqa = load_dataset(str(shared_dir / "data" / "liveqa-medquad-dev"))
    assert len(kqa.cases) == 100 and all(c.must_have for c in kqa.cases)
    assert len(liveqa.cases) == 30 and all(c.judgments and c.judgments.grades for c in liveqa.cases)


def test_a_retyped_dataset_keeps_every_case_but_its_question() -> None:
    plain = load_dataset(str(GOLDEN))
    retyped = load_dataset(f"{GOLDEN}+retyped")

    assert retyped.name == f"{plain.name}+retyped"
    assert [c.id for c in retyped.cases] == [c.id for c in plain.cases]
    assert [c.expected_status for c in retyped.cases] == [c.expected_status for c in plain.cases]
    assert all(r.question != p.question for r, p in zip(retyped.cases, plain.cases, strict=True))


def test_a_retyped_dataset_is_the_same_on_every_load() -> None:
    assert load_dataset(f"{GOLDEN}+retyped").cases == load_dataset(f"{GOLDEN}+retyped").cases


def test_retyping_a_dataset_that_does_not_exist_says_so(tmp_path):
    with pytest.raises(DatasetError, match="no such file"):
        load_dataset(f"{tmp_path / 'absent.jsonl'}+retyped")
