"""Put every case to every system, scoring as it goes; results.jsonl grows one flushed line at a time.

Interrupting a run loses at most the case in flight. Running the same command again resumes: cases
already in results.jsonl are skipped, provided run.json says they came from the same index, target
and judge (results of different runs are never mixed; `--fresh` starts over).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Sequence
from pathlib import Path

from evals.datasets import Dataset
from evals.models import Case, CaseResult, DatasetKind, RunInfo
from evals.scoring import Scorer, failed
from evals.systems import System

RESULTS = "results.jsonl"
RUN_INFO = "run.json"


class RunMismatchError(Exception):
    """The output folder holds results of another run."""


def spread(cases: Sequence[Case], limit: int | None) -> list[Case]:
    """`limit` cases spread evenly over the dataset (deterministic), so a subset samples every group."""
    if limit is None or limit >= len(cases):
        return list(cases)
    if limit <= 0:
        return []
    return [cases[(i * len(cases)) // limit] for i in range(limit)]


class ResultsFile:
    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self, repair: bool = False) -> dict[tuple[str, str, str], CaseResult]:
        """The results written so far; a last line cut short by an interrupted write is dropped (and cut
        from the file when `repair`, so that appending goes on from a clean line)."""
        if not self.path.exists():
            return {}
        results: dict[tuple[str, str, str], CaseResult] = {}
        good_bytes = 0
        with self.path.open("rb") as handle:
            for raw in handle:
                try:
                    result = CaseResult.model_validate_json(raw)
                except ValueError:
                    break
                results[result.key] = result
                good_bytes += len(raw)
        if repair and good_bytes < self.path.stat().st_size:
            with self.path.open("r+b") as handle:
                handle.truncate(good_bytes)
        return results

    def append(self, result: CaseResult) -> None:
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(result.model_dump_json() + "\n")
            handle.flush()


def check_run(out: Path, info: RunInfo, fresh: bool) -> RunInfo:
    """The run info to record: this one, merged with a compatible earlier one (more systems or datasets)."""
    path = out / RUN_INFO
    if fresh or not path.exists():
        (out / RESULTS).unlink(missing_ok=True)
        return info
    earlier = RunInfo.model_validate_json(path.read_text(encoding="utf-8"))
    for field in ("index_version", "target", "judge"):
        if getattr(earlier, field) != getattr(info, field):
            raise RunMismatchError(
                f"{out} holds results for {field} {getattr(earlier, field)!r}, this run has {getattr(info, field)!r}: "
                "pass --fresh to start over, or another --out"
            )
    return info.model_copy(
        update={
            "systems": list(dict.fromkeys([*earlier.systems, *info.systems])),
            "datasets": list(dict.fromkeys([*earlier.datasets, *info.datasets])),
        }
    )


def run_eval(
    datasets: Sequence[Dataset],
    systems: Sequence[System],
    scorer: Scorer,
    out: Path,
    info: RunInfo,
    *,
    limit: int | None = None,
    fresh: bool = False,
    progress: bool = True,
) -> list[CaseResult]:
    """Run what is not done yet; return the results of the selected cases, in dataset and case order."""
    out.mkdir(parents=True, exist_ok=True)
    recorded = check_run(out, info, fresh)
    (out / RUN_INFO).write_text(recorded.model_dump_json(indent=2) + "\n", encoding="utf-8")
    store = ResultsFile(out / RESULTS)
    done = store.load(repair=True)
    selected = [(d, spread(d.cases, limit)) for d in datasets]
    todo = [(c, s) for _, cases in selected for c in cases for s in systems if (c.dataset, c.id, s.name) not in done]
    total = sum(len(cases) for _, cases in selected) * len(systems)
    if todo:
        warm_up(systems)
    bar = _bar(total, total - len(todo), enabled=progress)
    try:
        for case, system in todo:
            result = _run_one(case, system, scorer)
            store.append(result)
            done[result.key] = result
            bar.update(1)
    finally:
        bar.close()
    return [done[(c.dataset, c.id, s.name)] for _, cases in selected for c in cases for s in systems]


def warm_up(systems: Sequence[System]) -> None:
    """One unrecorded question per system first, so no case's latency includes loading a model or an index."""
    case = Case(
        id="warm-up", dataset="warm-up", kind=DatasetKind.GOLDEN, question="How is an acute asthma attack treated?"
    )
    for system in systems:
        with contextlib.suppress(Exception):
            system.run(case)


def _run_one(case: Case, system: System, scorer: Scorer) -> CaseResult:
    try:
        output = system.run(case)
    except Exception as error:  # noqa: BLE001 - one failing case is recorded, the run goes on
        return failed(case, system.name, f"{type(error).__name__}: {error}"[:500])
    return scorer.score(case, system.name, output, system.sections)


class _Bar:
    def __init__(self, bar: object | None) -> None:
        self._bar = bar

    def update(self, n: int) -> None:
        if self._bar is not None:
            self._bar.update(n)  # type: ignore[attr-defined]

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()  # type: ignore[attr-defined]


def _bar(total: int, initial: int, enabled: bool) -> _Bar:
    if not enabled:
        return _Bar(None)
    from tqdm import tqdm

    return _Bar(tqdm(total=total, initial=initial, desc="eval", unit="answer", file=sys.stderr, dynamic_ncols=True))


def read_results(path: Path) -> list[CaseResult]:
    """Every result of a results.jsonl (or of the results.jsonl inside a run folder)."""
    if path.is_dir():
        path = path / RESULTS
    return list(ResultsFile(path).load().values())
