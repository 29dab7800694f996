"""``ecosim viz``: the visual demo server (Solara + Mesa's SolaraViz), offline-capable.

The scenario is checked before the server starts, so a bad file or flag is a normal CLI error
(exit 2). The server then runs in this process with the browser front-end served from the
``solara-assets`` package (Solara's assets proxy reads its cache directory first, and
``solara-assets`` installs the whole CDN tree there), the version check and telemetry off:
the page needs no internet connection.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import socket
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

from sim.errors import UserError

DEFAULT_SCENARIO = Path("scenarios") / "zgc_baseline.yaml"
APP = "sim.viz.app:Page"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "viz",
        help="start the visual demo server (network, ZGC Index, lever sliders)",
        description="Serve a live picture of a scenario in the browser: the collaboration "
        "network, the Zhongguancun Index and key indicators, with play/step/reset and the "
        "four policy levers as sliders. Works without internet access.",
    )
    p.add_argument(
        "scenario",
        nargs="?",
        default=str(DEFAULT_SCENARIO),
        help=f"scenario YAML file (default {DEFAULT_SCENARIO}); the page's picker "
        "lists the scenarios in the same folder",
    )
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this machine only)",
    )
    p.add_argument("--port", type=int, default=8765, help="port (default 8765; 0: any free port)")
    p.add_argument(
        "--scale",
        type=float,
        default=None,
        help="fraction of the real population simulated (default 0.02, a demo "
        "scale at which a step renders well under a second)",
    )
    p.set_defaults(func=main)


def check_args(args: argparse.Namespace) -> tuple[Path, float]:
    """Validate the flags and the scenario before anything starts; return file and scale."""
    from sim.viz.factory import DEMO_SCALE, load_demo

    if not 0 <= args.port <= 65535:
        raise UserError(f"--port must be from 0 to 65535, got {args.port}", field="--port")
    scale = DEMO_SCALE if args.scale is None else float(args.scale)
    if not 0 < scale <= 1:
        raise UserError(f"--scale must be above 0 and at most 1, got {scale:g}", field="--scale")
    path = Path(args.scenario)
    load_demo(path, scale=scale)  # raises UserError naming the file and field
    return path.resolve(), scale


def assets_dir() -> Path | None:
    """Where ``solara-assets`` put its copy of the CDN tree (``<prefix>/share/solara/cdn``)."""
    try:
        files = metadata.distribution("solara-assets").files or []
    except metadata.PackageNotFoundError:
        return None
    marker = "share/solara/cdn/"
    for f in files:
        name = str(f).replace("\\", "/")
        if marker in name:
            tail = Path(name.split(marker, 1)[1])
            root = Path(str(f.locate())).resolve().parents[len(tail.parts) - 1]
            if root.is_dir():
                return root
    return None


def offline_environment(scenario: Path, scale: float) -> dict[str, str]:
    """Environment for the server: app settings, local assets, no telemetry."""
    env = {
        "ECOSIM_VIZ_SCENARIO": str(scenario),
        "ECOSIM_VIZ_SCALE": repr(scale),
        "SOLARA_ASSETS_PROXY": "true",
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false",
        "MPLBACKEND": "Agg",
    }
    root = assets_dir()
    if root is not None and "SOLARA_ASSETS_PROXY_CACHE_DIR" not in os.environ:
        env["SOLARA_ASSETS_PROXY_CACHE_DIR"] = str(root)
    return env


def check_address(host: str, port: int) -> None:
    """Resolve ``host`` and try binding ``port`` before the banner is printed.

    Uvicorn would otherwise print its failure (and exit 3) after "serving on" was shown.
    The probe sets ``SO_REUSEADDR`` like uvicorn, so only a port someone listens on fails.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError) as exc:
        raise UserError(
            f"cannot resolve host {host!r} ({exc}); give an address such as 127.0.0.1",
            field="--host",
        ) from None
    if port == 0:
        return
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            raise UserError(
                f"cannot listen on {host}:{port}: {exc.strerror or exc} (another server "
                "there?); choose another --port, or --port 0 for any free port",
                field="--port",
            ) from None


def main(args: argparse.Namespace) -> int:
    scenario, scale = check_args(args)
    check_address(args.host, args.port)
    if assets_dir() is None:
        print(
            "warning: the solara-assets package is missing; the page needs internet access "
            "to load its front-end",
            file=sys.stderr,
        )
    if not _is_loopback(args.host):
        print(
            f"warning: listening on {args.host}: the page is reachable from other machines",
            file=sys.stderr,
        )
    os.environ.update(offline_environment(scenario, scale))
    # imported only now: Solara reads its settings from the environment at import time
    from solara.__main__ import run

    print(
        f"ecosim viz: {scenario.name} at scale {scale:g} on http://{args.host}:{args.port}",
        flush=True,
    )
    import click  # Solara's command line is click's; an interrupt reaches us as its Abort

    try:
        _serve(run, args.host, args.port)
    except click.exceptions.Abort:  # Ctrl-C or SIGTERM: the usual way to stop a server
        print("ecosim viz: stopped", file=sys.stderr)
    return 0


def _serve(run: Any, host: str, port: int) -> None:
    """Solara's server in this process, offline assets, no browser opened."""
    run.main(
        args=[
            APP,
            "--host",
            host,
            "--port",
            str(port),
            "--production",
            "--no-open",
            "--no-check-version",
            "--log-level-uvicorn",
            "warning",
        ],
        prog_name="ecosim viz",
        standalone_mode=False,
    )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
