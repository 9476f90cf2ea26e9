"""`vademecum ingest` end to end as a real command (exit codes 0/1/2, summary), and `vademecum index`."""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ingest.cli import EXIT_BUSY, EXIT_FAILED, EXIT_OK, EXIT_REJECTED, add_ingest_commands, run_ingest_command
from ingest.embedding import Embedder, export_dir
from ingest.layout import DataDir, WriterLock
from ingest.settings import ChromaSettings, Settings
from ingest.version import read_manifest
from tests.ingest.articles import write_article, write_corpus, write_invalid
from tests.ingest.conftest import Ingest

VADEMECUM = Path(sys.executable).with_name("vademecum")
SUMMARY = re.compile(
    r"^added (\d+), updated (\d+), unchanged (\d+), removed (\d+), rejected (\d+) articles; "
    r"(\d+) passages embedded, (\d+) in the index; \d+\.\d s$",
    re.MULTILINE,
)


def _vademecum(*args: str, data_dir: DataDir, chroma: ChromaSettings) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "VADEMECUM_DATA_DIR": str(data_dir.root),
        "VADEMECUM_CHROMA__MODE": chroma.mode,
        "VADEMECUM_CHROMA__HOST": chroma.host,
        "VADEMECUM_CHROMA__PORT": str(chroma.port),
    }
    return subprocess.run(
        [str(VADEMECUM), *args], capture_output=True, text=True, env=env, timeout=180, cwd=data_dir.root.parent
    )


def _summary(stdout: str) -> tuple[int, ...]:
    match = SUMMARY.search(stdout)
    assert match, stdout
    return tuple(int(n) for n in match.groups())


def _index_command(argv: list[str], data_dir: DataDir) -> int:
    """`vademecum index ARGV` in this process, parsed by the same subcommand registration as the command."""
    parser = argparse.ArgumentParser(prog="vademecum")
    add_ingest_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["index", *argv])
    return int(args.run(args, Settings(data_dir=data_dir.root)))


@pytest.mark.slow
def test_cli_ingest_builds_a_version_exits_0_and_prints_the_summary(
    corpus: Path, data_dir: DataDir, chroma_settings: ChromaSettings
) -> None:
    write_corpus(corpus, ["asthma", "sepsis"])

    result = _vademecum("ingest", "--quiet", str(corpus), data_dir=data_dir, chroma=chroma_settings)

    assert result.returncode == EXIT_OK, result.stderr
    assert _summary(result.stdout) == (2, 0, 0, 0, 0, 8, 8)
    pointer = data_dir.read_pointer()
    assert pointer is not None and f"active index version: {pointer.version}" in result.stdout


def test_cli_ingest_exits_1_and_names_the_rejected_file_while_valid_ones_stay(
    corpus: Path, ingest: Ingest, data_dir: DataDir, chroma_settings: ChromaSettings
) -> None:
    write_corpus(corpus, ["asthma", "sepsis"])
    ingest()  # in-process first, so the command itself has nothing to embed and stays fast
    broken = write_invalid(corpus)

    result = _vademecum("ingest", "--quiet", str(corpus), data_dir=data_dir, chroma=chroma_settings)

    assert result.returncode == EXIT_REJECTED
    assert _summary(result.stdout) == (0, 0, 2, 0, 1, 0, 8)
    assert f"rejected: {broken}:" in result.stderr and "cites [7]" in result.stderr


def test_cli_ingest_exits_2_with_a_clear_message_when_another_writer_holds_the_lock(
    corpus: Path, data_dir: DataDir, chroma_settings: ChromaSettings
) -> None:
    write_corpus(corpus, ["asthma"])

    with WriterLock(data_dir):
        result = _vademecum("ingest", "--quiet", str(corpus), data_dir=data_dir, chroma=chroma_settings)

    assert result.returncode == EXIT_BUSY
    assert f"another ingest is writing to {data_dir.root} (pid {os.getpid()} since" in result.stderr
    assert data_dir.read_pointer() is None


def test_index_status_prints_the_active_version_and_those_kept_for_rollback(
    corpus: Path, ingest: Ingest, data_dir: DataDir, capsys: pytest.CaptureFixture[str]
) -> None:
    write_article(corpus, "asthma")
    first = ingest()
    write_article(corpus, "sepsis")
    second = ingest()

    assert _index_command(["status"], data_dir) == EXIT_OK

    out = capsys.readouterr().out
    assert f"active index version: {second.version} (2 articles, 8 passages, all-MiniLM-L6-v2)" in out
    assert f"kept for rollback: {first.version} (1 articles, 4 passages, all-MiniLM-L6-v2)" in out


def test_index_rollback_makes_the_previous_version_active(
    corpus: Path, ingest: Ingest, data_dir: DataDir, capsys: pytest.CaptureFixture[str]
) -> None:
    write_article(corpus, "asthma")
    first = ingest()
    write_article(corpus, "sepsis")
    second = ingest()

    assert _index_command(["rollback"], data_dir) == EXIT_OK

    out = capsys.readouterr().out
    assert f"rolled back from {second.version}" in out
    assert f"active index version: {first.version} (1 articles" in out
    assert data_dir.active_version_dir().name == first.version


def test_the_ingest_after_a_rollback_builds_on_the_rolled_back_version(
    corpus: Path, ingest: Ingest, data_dir: DataDir
) -> None:
    write_article(corpus, "asthma")
    first = ingest()
    write_article(corpus, "sepsis")
    second = ingest()
    _index_command(["rollback"], data_dir)

    report = ingest()

    assert (report.added, report.unchanged) == (["sepsis"], ["asthma"])
    assert report.passages_embedded == 4  # only the active version's vectors are reused
    pointer = data_dir.read_pointer()
    assert pointer is not None and pointer.previous == [first.version]
    assert second.version not in {p.name for p in data_dir.versions.iterdir()}


def test_index_rollback_without_a_previous_version_exits_1_and_changes_nothing(
    corpus: Path, ingest: Ingest, data_dir: DataDir, capsys: pytest.CaptureFixture[str]
) -> None:
    write_article(corpus, "asthma")
    ingest()
    pointer = data_dir.pointer_path.read_bytes()

    assert _index_command(["rollback"], data_dir) == EXIT_REJECTED

    assert "nothing to roll back to" in capsys.readouterr().err
    assert data_dir.pointer_path.read_bytes() == pointer


def test_index_rollback_is_refused_while_an_ingest_holds_the_lock(
    corpus: Path, ingest: Ingest, data_dir: DataDir, capsys: pytest.CaptureFixture[str]
) -> None:
    write_article(corpus, "asthma")
    ingest()
    write_article(corpus, "sepsis")
    ingest()
    pointer = data_dir.pointer_path.read_bytes()

    with WriterLock(data_dir):
        assert _index_command(["rollback"], data_dir) == EXIT_BUSY

    assert "another ingest is writing" in capsys.readouterr().err
    assert data_dir.pointer_path.read_bytes() == pointer


def _ingest_command(argv: list[str], data_dir: DataDir, embedder: Embedder | None) -> int:
    """`vademecum ingest ARGV` in this process, with the session's model (None: the configured encoder)."""
    parser = argparse.ArgumentParser(prog="vademecum")
    add_ingest_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["ingest", "--quiet", *argv])
    return int(run_ingest_command(args, Settings(data_dir=data_dir.root), embedder=embedder))


@pytest.mark.slow
def test_cli_ingest_writes_the_encoder_export_the_service_loads(corpus: Path, data_dir: DataDir) -> None:
    write_article(corpus, "asthma")

    code = _ingest_command([str(corpus)], data_dir, embedder=None)

    assert code == EXIT_OK
    assert export_dir(data_dir, "", 256, "int8").is_dir()
    assert read_manifest(data_dir.active_version_dir()).encoder == "int8"


def test_cli_ingest_fails_cleanly_when_the_encoder_export_cannot_be_written(
    corpus: Path, data_dir: DataDir, capsys: pytest.CaptureFixture[str]
) -> None:
    write_article(corpus, "asthma")
    data_dir.root.mkdir(parents=True)
    data_dir.encoders.write_text("a file where the encoders folder belongs")

    code = _ingest_command([str(corpus)], data_dir, embedder=None)

    assert code == EXIT_FAILED
    assert data_dir.read_pointer() is None, "nothing is written when the encoder cannot be prepared"
    assert "the int8 encoder could not be prepared" in capsys.readouterr().err
