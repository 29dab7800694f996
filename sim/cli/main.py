"""Entry point of the ``ecosim`` command.

Each sub-command lives in a module of this package exposing ``register(subparsers)``; the
module sets ``func`` on its parser. Commands are imported lazily by name so that a slow import
(the visual server, Dask) costs nothing to the other commands.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from sim import __version__
from sim.errors import UserError

#: command name -> module (in sim.cli) that registers it
COMMANDS: dict[str, str] = {
    "run": "run_cmd",
    "validate": "scenario_cmds",
    "scenarios": "scenario_cmds",
    "report": "report_cmd",
    "compare": "compare_cmd",
    "sweep": "sweep_cmd",
    "analyze": "sweep_cmd",
    "discover": "discover_cmd",
    "optimize": "optimize_cmd",
    "viz": "viz_cmd",
    "bench": "bench_cmd",
    "calibrate": "calibrate_cmd",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ecosim",
        description="Agent-based simulator of innovation ecosystems (ZGC and Silicon Valley).",
    )
    parser.add_argument("--version", action="version", version=f"ecosim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    seen: set[str] = set()
    for module_name in dict.fromkeys(COMMANDS.values()):
        if module_name in seen:
            continue
        seen.add(module_name)
        try:
            module = importlib.import_module(f"sim.cli.{module_name}")
        except ModuleNotFoundError as exc:  # a command not built yet
            if exc.name != f"sim.cli.{module_name}":
                raise
            continue
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code = args.func(args)
    except UserError as exc:
        print(f"error: {exc.render()}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and the like: not an error
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    return int(code or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
