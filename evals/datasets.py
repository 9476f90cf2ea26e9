"""Dataset readers: the golden schema, K-QA, and BEIR retrieval judgments, each into `Case`s.

The development set (evals/devset/parts/*.jsonl, golden schema) is read by alias: `devset` (all of it),
`devset-tune` and `devset-test`, halves fixed by `devset_split` (a hash of the case id), never by content.

Any dataset named with `+retyped` after it (`devset-test+retyped`, `golden+retyped`) is that dataset as typed in
a hurry: each question retyped once, seeded (`evals.typing_noise`: slips of the keys, no capitals, every other
case without punctuation), everything else about the case unchanged. A decision that holds only for the spelling
it was tuned on shows here.

A malformed line never stops at the first problem: every issue is collected with its file, line
and reason, and `DatasetError` carries them all.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from evals.golden_schema import GoldenRecord
from evals.models import Case, DatasetKind, Evidence, Judgments, RelevanceUnit
from evals.typing_noise import noisy_variants
from service.schema import Audience

REPO = Path(__file__).resolve().parents[1]
GOLDEN_CORPUS = REPO / "evals" / "golden" / "corpus.jsonl"
DEVSET_PARTS = REPO / "evals" / "devset" / "parts"
# Alias -> the half it holds (None: both).
DEVSET_ALIASES: dict[str, str | None] = {"devset": None, "devset-tune": "tune", "devset-test": "test"}
RETYPED = "+retyped"
RETYPING_SEED = 7
BEIR_QUERIES = "queries.jsonl"
BEIR_QRELS = "qrels.tsv"
_SECTION_SUFFIX = re.compile(r"_Sec\d+$")


def shared_data_dir() -> Path:
    return Path(os.environ.get("VADEMECUM_SHARED_DIR", REPO.parent / "shared")) / "data"


def aliases() -> dict[str, Path]:
    data = shared_data_dir()
    return {
        "golden": GOLDEN_CORPUS,
        "kqa": data / "kqa-dev" / "questions_w_answers.dev.jsonl",
        "liveqa": data / "liveqa-medquad-dev",
    }


@dataclass(frozen=True)
class Issue:
    path: str
    line: int | None
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.reason}" if self.line else f"{self.path}: {self.reason}"


class DatasetError(Exception):
    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        shown = "; ".join(str(i) for i in issues[:5])
        more = f" (and {len(issues) - 5} more)" if len(issues) > 5 else ""
        super().__init__(shown + more)


@dataclass(frozen=True)
class Dataset:
    name: str
    kind: DatasetKind
    path: Path
    cases: list[Case]


def load_dataset(spec: str) -> Dataset:
    """A dataset by alias (golden, kqa, liveqa, devset...) or path; its kind is told from its layout and first line.
    `<dataset>+retyped`: the dataset as typed in a hurry (see the module docstring)."""
    if spec.endswith(RETYPED) and spec != RETYPED:
        return retyped(load_dataset(spec.removesuffix(RETYPED)))
    if spec in DEVSET_ALIASES:
        return Dataset(spec, DatasetKind.GOLDEN, DEVSET_PARTS, read_devset(DEVSET_ALIASES[spec]))
    path = aliases().get(spec, Path(spec))
    if not path.exists():
        raise DatasetError([Issue(str(path), None, "no such file or folder")])
    kind = detect_kind(path)
    if kind is DatasetKind.BEIR:
        directory = path if path.is_dir() else path.parent
        return Dataset(directory.name, kind, directory, read_beir(directory))
    if kind is DatasetKind.KQA:
        return Dataset(path.parent.name if spec != "kqa" else "kqa-dev", kind, path, read_kqa(path))
    name = "golden" if path.stem == "corpus" else path.stem
    return Dataset(name, kind, path, read_golden(path, name))


def retyped(dataset: Dataset, seed: int = RETYPING_SEED) -> Dataset:
    """The dataset with each question retyped once in a hurry; ids and dataset name marked as such."""
    name = f"{dataset.name}{RETYPED}"
    cases = [
        case.model_copy(update={"question": noisy_variants(case.question, 2, seed)[n % 2], "dataset": name})
        for n, case in enumerate(dataset.cases)
    ]
    return Dataset(name, dataset.kind, dataset.path, cases)


def detect_kind(path: Path) -> DatasetKind:
    if path.is_dir() or path.name == BEIR_QUERIES:
        return DatasetKind.BEIR
    for _, record in _json_lines(path, []):
        return DatasetKind.KQA if "Question" in record and "Must_have" in record else DatasetKind.GOLDEN
    return DatasetKind.GOLDEN


def _json_lines(path: Path, issues: list[Issue]) -> Iterator[tuple[int, dict[str, Any]]]:
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                issues.append(Issue(str(path), number, f"invalid JSON: {error.msg} (column {error.colno})"))
                continue
            if not isinstance(record, dict):
                issues.append(Issue(str(path), number, f"expected a JSON object, got {type(record).__name__}"))
                continue
            yield number, record


def describe(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"])
        parts.append(f"{where}: {item['msg']}" if where else str(item["msg"]))
    return "; ".join(parts)


def read_golden_records(path: Path) -> tuple[list[tuple[int, GoldenRecord]], list[Issue]]:
    issues: list[Issue] = []
    records: list[tuple[int, GoldenRecord]] = []
    seen: dict[str, int] = {}
    for number, raw in _json_lines(path, issues):
        try:
            record = GoldenRecord.model_validate(raw)
        except ValidationError as error:
            issues.append(Issue(str(path), number, describe(error)))
            continue
        if record.id in seen:
            issues.append(Issue(str(path), number, f"duplicate id {record.id!r} (first on line {seen[record.id]})"))
            continue
        seen[record.id] = number
        records.append((number, record))
    return records, issues


def read_golden(path: Path, name: str = "golden") -> list[Case]:
    records, issues = read_golden_records(path)
    if issues:
        raise DatasetError(issues)
    return [golden_case(record, name) for _, record in records]


def devset_split(case_id: str) -> str:
    """The half a development case belongs to, fixed before any tuning: the parity of its id's SHA-256."""
    return "test" if int(hashlib.sha256(case_id.encode("utf-8")).hexdigest(), 16) % 2 else "tune"


def read_devset(split: str | None, parts_dir: Path = DEVSET_PARTS) -> list[Case]:
    """The development cases of one half (or both), read from the parts; ids are unique across parts."""
    parts = sorted(parts_dir.glob("*.jsonl"))
    if not parts:
        raise DatasetError([Issue(str(parts_dir), None, "no *.jsonl parts")])
    issues: list[Issue] = []
    records: list[GoldenRecord] = []
    seen: dict[str, str] = {}
    for part in parts:
        found, problems = read_golden_records(part)
        issues += problems
        for number, record in found:
            if record.id in seen:
                issues.append(Issue(str(part), number, f"duplicate id {record.id!r} (also in {seen[record.id]})"))
                continue
            seen[record.id] = part.name
            records.append(record)
    if issues:
        raise DatasetError(issues)
    name = "devset" if split is None else f"devset-{split}"
    return [golden_case(r, name) for r in records if split is None or devset_split(r.id) == split]


def golden_case(record: GoldenRecord, dataset: str) -> Case:
    evidence = tuple(Evidence(article_id=e.article_id, section=e.section) for e in record.evidence)
    judgments = None
    if evidence:
        # A passage from an evidence section is fully relevant (2); grade 1 for the article's other
        # sections is added by the runner, which knows the article's sections.
        grades = {section_unit(e.article_id, e.section): 2 for e in evidence}
        articles = tuple(dict.fromkeys(e.article_id for e in evidence))
        judgments = Judgments(unit=RelevanceUnit.SECTION, grades=grades, relevant_from=2, expected_articles=articles)
    return Case(
        id=record.id,
        dataset=dataset,
        kind=DatasetKind.GOLDEN,
        question=record.question,
        article_id=record.article_id,
        history=tuple(record.history),
        audience=record.audience,
        expected_status=record.expected_status,
        case_kind=record.kind,
        golden_answer=record.golden_answer,
        must_have=tuple(record.must_have),
        evidence=evidence,
        judgments=judgments,
        specialty=record.specialty,
        category=record.category,
        body_system=record.system,
        presentation=record.presentation,
    )


def section_unit(article_id: str, section: str) -> str:
    return f"{article_id}#{section}"


def read_kqa(path: Path) -> list[Case]:
    issues: list[Issue] = []
    cases: list[Case] = []
    for number, raw in _json_lines(path, issues):
        problem = _kqa_problem(raw)
        if problem:
            issues.append(Issue(str(path), number, problem))
            continue
        specialty = raw.get("ICD_10_diag")
        cases.append(
            Case(
                id=f"kqa-{number:04d}",
                dataset=path.parent.name,
                kind=DatasetKind.KQA,
                question=raw["Question"].strip(),
                audience=Audience.PATIENT,  # K-QA questions are patients' own
                golden_answer=raw["Free_form_answer"].strip(),
                must_have=tuple(s.strip() for s in raw["Must_have"] if s.strip()),
                nice_to_have=tuple(s.strip() for s in raw.get("Nice_to_have") or [] if s.strip()),
                specialty=_icd_chapter(specialty) if isinstance(specialty, str) else None,
            )
        )
    if issues:
        raise DatasetError(issues)
    return cases


def _kqa_problem(raw: dict[str, Any]) -> str | None:
    for key in ("Question", "Free_form_answer"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            return f"{key!r} must be a non-empty string"
    for key in ("Must_have", "Nice_to_have"):
        value = raw.get(key, [] if key == "Nice_to_have" else None)
        if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
            return f"{key!r} must be a list of strings"
    if not any(s.strip() for s in raw["Must_have"]):
        return "'Must_have' holds no statement"
    return None


def _icd_chapter(code: str) -> str | None:
    """The ICD-10 chapter letter of the first code ("L" for skin), a coarse specialty for K-QA."""
    match = re.search(r"[A-Z]\d", code.upper())
    return f"ICD-10 {match.group(0)[0]}" if match else None


def read_beir(directory: Path) -> list[Case]:
    queries_path, qrels_path = directory / BEIR_QUERIES, directory / BEIR_QRELS
    issues: list[Issue] = []
    for path in (queries_path, qrels_path):
        if not path.is_file():
            issues.append(Issue(str(path), None, "missing (a BEIR dataset is queries.jsonl + qrels.tsv)"))
    if issues:
        raise DatasetError(issues)
    qrels = _read_qrels(qrels_path, issues)
    cases: list[Case] = []
    for number, raw in _json_lines(queries_path, issues):
        query_id, text = raw.get("_id"), raw.get("text")
        if not isinstance(query_id, str | int) or not isinstance(text, str) or not text.strip():
            issues.append(Issue(str(queries_path), number, "needs '_id' and a non-empty 'text'"))
            continue
        grades = qrels.get(str(query_id))
        if not grades:
            continue  # BEIR: a query without judgments is not evaluated
        relevant = [unit for unit, grade in grades.items() if grade >= 1]
        documents = tuple(dict.fromkeys(_SECTION_SUFFIX.sub("", unit) for unit in relevant))
        cases.append(
            Case(
                id=f"q{query_id}",
                dataset=directory.name,
                kind=DatasetKind.BEIR,
                question=" ".join(text.split()),
                audience=Audience.PATIENT,  # LiveQA questions are consumers' own
                judgments=Judgments(
                    unit=RelevanceUnit.SOURCE_ID, grades=grades, relevant_from=1, expected_articles=documents
                ),
            )
        )
    if issues:
        raise DatasetError(issues)
    return cases


def _read_qrels(path: Path, issues: list[Issue]) -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for number, row in enumerate(csv.reader(handle, delimiter="\t"), start=1):
            if not row or not "".join(row).strip():
                continue
            if number == 1 and row[0].strip().lower() in ("query-id", "query_id", "qid"):
                continue
            if len(row) != 3:
                issues.append(Issue(str(path), number, f"expected 3 tab-separated columns, got {len(row)}"))
                continue
            query_id, unit, score = (cell.strip() for cell in row)
            try:
                grade = int(score)
            except ValueError:
                issues.append(Issue(str(path), number, f"score {score!r} is not an integer"))
                continue
            qrels.setdefault(query_id, {})[unit] = grade
    return qrels
