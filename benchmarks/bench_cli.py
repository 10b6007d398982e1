"""Measure how fast ``zoneplan --help`` and ``zoneplan data status`` start (fresh processes).

Run ``python benchmarks/bench_cli.py``: each command runs 7 times in a new Python process and the
median, min and max wall and CPU (user + system of the child) times are printed, with the date and
the machine's load so that figures from a busy machine are read as such.
"""

from __future__ import annotations

import datetime as dt
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = 7
COMMANDS = {
    "zoneplan --help": ["--help"],
    "zoneplan data status": ["data", "status"],
}


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(args: list[str], env: dict[str, str]) -> tuple[list[float], list[float]]:
    """Return the wall and CPU seconds of ``RUNS`` fresh ``python -m zoneplan ARGS`` processes."""
    walls, cpus = [], []
    for _ in range(RUNS):
        cpu0, t0 = _child_cpu(), time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "zoneplan", *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        walls.append(time.perf_counter() - t0)
        cpus.append(_child_cpu() - cpu0)
    return walls, cpus


def _line(name: str, values: list[float]) -> str:
    return (
        f"  {name:<5} median {statistics.median(values):.3f} s "
        f"(min {min(values):.3f}, max {max(values):.3f})"
    )


def main() -> None:
    """Print the start-up times of the CLI commands."""
    load = os.getloadavg()
    when = dt.datetime.now().isoformat(timespec="seconds")
    print(f"{when}  load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (1, 5, 15 min)")
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "ZONEPLAN_HOME": home, "PYTHONDONTWRITEBYTECODE": "1"}
        for label, args in COMMANDS.items():
            walls, cpus = measure(args, env)
            print(f"{label} ({RUNS} runs)")
            print(_line("wall", walls))
            print(_line("cpu", cpus))


if __name__ == "__main__":
    main()
