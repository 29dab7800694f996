"""Options shared by several commands, declared once so they read the same everywhere."""

from __future__ import annotations

import argparse

SET_HELP = "override a scenario field, e.g. levers.talent_reform.strength=0.8 (repeatable)"


def add_set_option(parser: argparse.ArgumentParser, help: str = SET_HELP) -> None:
    """``--set PATH=VALUE``: dotted-path overrides, validated like the file itself."""
    parser.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE", help=help
    )
