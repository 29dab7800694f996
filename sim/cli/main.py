"""Entry point of the ``ecosim`` command.

Each sub-command lives in a module of this package exposing ``register(subparsers)``; the
module sets ``func`` on its parser. Only the module of the command being run is imported
(plus every module for ``ecosim --help``), so a slow import (the visual server, Dask,
matplotlib) costs nothing to the other commands.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import importlib
import os
import signal
import sys
from collections.abc import Iterator

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

#: one-line help of each command, shown by ``ecosim --help`` without importing the modules
SUMMARIES: dict[str, str] = {
    "run": "run a scenario and write indicators, run.json and a report",
    "validate": "check scenario files without running them",
    "scenarios": "list the scenario library, or explain the fields of a block",
    "report": "build report.html and the derived CSV files of a run folder",
    "compare": "run scenarios side by side on harmonised indicators",
    "sweep": "sensitivity sweep of an experiment file (Morris, Sobol, FAST)",
    "analyze": "recompute a sweep's indices and report from its saved runs",
    "viz": "start the visual demo server (network, ZGC Index, lever sliders)",
    "bench": "speed against Mesa's Boltzmann example",
    "calibrate": "calibrate a scenario against the observed targets",
    "discover": "scenario discovery over uncertainties and levers",
    "optimize": "search lever settings for the best outcomes",
}


#: failures of the storage, not of ecosim: a message, not a traceback (exit 1)
_STORAGE_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO}


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread so that clean-up runs as for Ctrl-C.

    Without it Python dies at once: worker processes are orphaned and staging folders left.
    """


def _requested_command(argv: list[str]) -> str | None:
    """The command named on the command line (the first word that is one), if any."""
    for word in argv:
        if word in COMMANDS:
            return word
        if not word.startswith("-"):
            return None
    return None


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The ``ecosim`` parser; with ``only``, just that command's module is imported."""
    parser = argparse.ArgumentParser(
        prog="ecosim",
        description="Agent-based simulator of innovation ecosystems (ZGC and Silicon Valley).",
    )
    parser.add_argument("--version", action="version", version=f"ecosim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    wanted = [COMMANDS[only]] if only in COMMANDS else list(dict.fromkeys(COMMANDS.values()))
    registered: set[str] = set()
    for module_name in wanted:
        try:
            module = importlib.import_module(f"sim.cli.{module_name}")
        except ModuleNotFoundError as exc:  # a command not built yet
            if exc.name != f"sim.cli.{module_name}":
                raise
            continue
        before = set(sub.choices)
        module.register(sub)
        registered |= set(sub.choices) - before
    if only in COMMANDS:  # list the other commands too, so a usage message stays complete
        for name in COMMANDS:
            if name not in registered:
                sub.add_parser(name, help=SUMMARIES.get(name, ""), add_help=False)
    return parser


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """While a command runs, SIGTERM raises :class:`Terminated` in the main thread."""

    def handler(signum: int, frame: object) -> None:
        raise Terminated()

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread (embedded use): leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(_requested_command(argv))
    args = parser.parse_args(argv)
    try:
        with _sigterm_as_interrupt():
            code = args.func(args)
    except UserError as exc:
        print(f"error: {exc.render()}", file=sys.stderr)
        return exc.exit_code
    except Terminated:
        print("terminated", file=sys.stderr)
        return 128 + signal.SIGTERM
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and the like: not an error
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except OSError as exc:
        if exc.errno not in _STORAGE_ERRORS:
            raise
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"error: {where}{exc.strerror}; nothing was replaced", file=sys.stderr)
        return 1
    return int(code or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
