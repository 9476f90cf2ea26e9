"""Run one ingest in a subprocess that a test can SIGKILL at a chosen point.

    python tests/ingest/ingest_driver.py --data DIR --chroma JSON [--pause-at STAGE] PATH...

Every progress call prints `stage <name> <done>/<total>` and flushes. With --pause-at, the driver prints
`paused <stage>` and sleeps at the first call of that stage, so the test's kill lands exactly there;
`--pause-at switch` pauses inside DataDir.switch_to, after the build was renamed into place but before
the pointer moves. Small embedding and Chroma batches make "during" mean mid-stage. No production code
knows about any of this.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path

import ingest.store
import ingest.version_builder
from ingest.embedding import ingest_embedder
from ingest.layout import DataDir, Pointer
from ingest.pipeline import run_ingest
from ingest.settings import ChromaSettings, EmbeddingSettings

PAUSE_SECONDS = 120
SMALL_BATCH = 4


def pause(stage: str) -> None:
    print(f"paused {stage}", flush=True)
    time.sleep(PAUSE_SECONDS)


@dataclass(frozen=True)
class PausingDataDir(DataDir):
    pause_at: str = ""

    def switch_to(self, version: str, keep_previous: int, *, skip: Collection[str] = ()) -> Pointer:
        print(f"stage switch {version}", flush=True)
        if self.pause_at == "switch":
            pause("switch")
        return super().switch_to(version, keep_previous, skip=skip)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--chroma", required=True, help="ChromaSettings as JSON")
    parser.add_argument("--pause-at", default="", help="a progress stage name, or 'switch'")
    parser.add_argument("paths", nargs="+", type=Path)
    args = parser.parse_args(argv)

    ingest.version_builder.EMBED_BATCH = SMALL_BATCH
    whole_batches = ingest.store.batched

    def small_batches(count: int, size: int) -> Iterator[slice]:
        return whole_batches(count, min(size, SMALL_BATCH))

    ingest.store.batched = small_batches
    seen: set[str] = set()

    def progress(stage: str, done: int, total: int) -> None:
        print(f"stage {stage} {done}/{total}", flush=True)
        if stage == args.pause_at and stage not in seen:
            pause(stage)
        seen.add(stage)

    data_dir = PausingDataDir(args.data, pause_at=args.pause_at)
    report = run_ingest(
        args.paths,
        data_dir=data_dir,
        # The configured encoder, as `vademecum ingest` runs it (its export is written first when missing).
        embedder=ingest_embedder(EmbeddingSettings(), DataDir(args.data)),
        chroma=ChromaSettings.model_validate_json(args.chroma),
        progress=progress,
    )
    print(f"done {report.version}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
