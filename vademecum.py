"""The `vademecum` command: one entry point, a subcommand per package (ingest, serve, ask, eval).

Each package registers its own subcommands; this module only dispatches, importing a package when
its subcommand runs so that `vademecum ingest --help` stays fast.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def build_parser() -> argparse.ArgumentParser:
    from ingest.cli import add_ingest_commands

    parser = argparse.ArgumentParser(prog="vademecum", description="Cited answers from a guideline corpus.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_ingest_commands(commands)
    for module in ("service.cli", "evals.cli"):
        try:
            register = __import__(module, fromlist=["register"]).register
        except ModuleNotFoundError:
            continue
        register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
