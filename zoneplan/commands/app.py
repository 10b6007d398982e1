"""``zoneplan app``: start the Streamlit app on the embedded data."""

from __future__ import annotations

import argparse
import subprocess
import sys

from geo import settings
from zoneplan.cli import CLI


def register(cli: CLI) -> None:
    """Add the ``app`` command."""
    p = cli.command("app", run_app, help="open the planners' app in the browser (Streamlit)")
    p.add_argument("--port", type=int, default=8501)
    p.add_argument("--headless", action="store_true", help="do not open a browser")


def run_app(args: argparse.Namespace) -> int:
    """Run ``streamlit run app.py`` with offline-friendly settings."""
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(settings.REPO_DIR / "app.py"),
        "--server.port",
        str(args.port),
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",
        "viewer",
        "--server.headless",
        "true" if args.headless else "false",
        "--",
    ]
    if args.store:
        cmd += ["--store", args.store]
    cmd += ["--lang", args.lang]
    return subprocess.call(cmd)
