"""The benchmarks' encoder comparison: which encoders, where each one's index is, and the side-by-side report."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from evals.bench_harness import Result, encoder_data_dir, parse_encoders, server_env
from evals.bench_ingest import EncoderRun, table
from evals.bench_service import FOLLOWUPS, encoder_comparison
from ingest.layout import DataDir
from ingest.settings import EncoderKind


def test_parse_encoders_keeps_the_order_and_drops_repeats() -> None:
    assert parse_encoders("torch, int8,fp32,int8") == ["torch", "int8", "fp32"]


def test_parse_encoders_refuses_an_unknown_kind() -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="int4"):
        parse_encoders("torch,int4")


def test_server_env_sets_the_encoder_only_when_asked(tmp_path: Path) -> None:
    assert server_env(tmp_path, "fp32")["VADEMECUM_EMBEDDING__ENCODER"] == "fp32"
    assert server_env(tmp_path)["VADEMECUM_DATA_DIR"] == str(tmp_path)


def test_encoder_data_dir_prefers_the_encoders_own_folder(tmp_path: Path) -> None:
    (tmp_path / "int8").mkdir()
    (tmp_path / "int8" / "ACTIVE").write_text("{}", encoding="utf-8")

    assert encoder_data_dir(tmp_path, "int8") == (tmp_path / "int8").resolve()
    assert encoder_data_dir(tmp_path, "torch") is None  # no torch/ and no index in the folder itself


def test_encoder_data_dir_takes_a_single_index_built_with_that_encoder(small_index: DataDir) -> None:
    # The evals fixture's index is embedded by the tests' embedder, the int8 export.
    assert encoder_data_dir(small_index.root, "int8") == small_index.root.resolve()
    assert encoder_data_dir(small_index.root, "torch") is None


def test_encoder_comparison_puts_each_p50_against_torchs() -> None:
    pipeline = f"{FOLLOWUPS} @ 60/s"
    torch = Result("corpus", pipeline, 8, latencies_ms=[20.0, 20.0, 40.0], seconds=1.0, encoder="torch")
    int8 = Result("corpus", pipeline, 8, latencies_ms=[10.0, 10.0, 30.0], seconds=1.0, encoder="int8")
    baseline = Result("corpus", "langchain similarity_search(k=4) @ 60/s", 8, latencies_ms=[5.0], seconds=1.0)

    lines = encoder_comparison([torch, int8, baseline])

    assert lines[-2].split()[-1] == "x1.00" and lines[-2].split()[5] == "torch"
    assert lines[-1].split()[-1] == "x0.50" and lines[-1].split()[5] == "int8"
    assert not any("langchain" in line for line in lines)


def test_encoder_comparison_is_empty_with_one_encoder() -> None:
    only = Result("corpus", f"{FOLLOWUPS} @ max", 8, latencies_ms=[10.0], seconds=1.0, encoder="int8")
    assert encoder_comparison([only]) == []


def test_ingest_table_gives_each_encoder_its_ratio_to_torch() -> None:
    def run(kind: EncoderKind, ingest_s: float, floor_s: float) -> EncoderRun:
        return EncoderRun(kind, DataDir(Path(kind)), 2, 100, ingest_s, 10, floor_s, floor_s * 10)

    lines = table([run("torch", 10.0, 1.0), run("int8", 5.0, 0.25)], floor_threads=2).splitlines()

    torch_row, int8_row = lines[3].split(), lines[4].split()
    assert (torch_row[6], torch_row[12]) == ("x1.00", "x1.00")
    assert (int8_row[6], int8_row[12]) == ("x2.00", "x4.00")
    assert int8_row[-1] == "2.00"  # ingest / floor, checked: the floor ran on the ingest's threads
