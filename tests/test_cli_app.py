"""``zoneplan app``: bad input refused in one line, Streamlit's settings, and a real start and stop.

The argument checks run the command line in this process with the server replaced by a stub; one
test starts the app for real on a free port, from another folder, and stops it with SIGTERM.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

import zoneplan
from zoneplan.cli import main
from zoneplan.commands import app as app_command


def _free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(["app", *argv])
    out, err = capsys.readouterr()
    return exit_info.value.code, out, err


@pytest.fixture
def served(monkeypatch) -> list[tuple[Path, dict[str, str], list[str]]]:
    """Replace the server with a stub that records what it was given."""
    calls: list[tuple[Path, dict[str, str], list[str]]] = []
    monkeypatch.setattr(app_command, "_serve", lambda *a: calls.append(a) or 0)
    return calls


@pytest.fixture
def opened(monkeypatch) -> list[str]:
    """Record the URLs the browser would open."""
    urls: list[str] = []
    monkeypatch.setattr(app_command, "_open_when_ready", urls.append)
    return urls


def test_a_port_in_use_is_one_french_line_naming_it(capsys, served):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, out, err = _run(capsys, "--port", str(port), "--no-browser", "--lang", "fr")
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"le port {port} est déjà utilisé" in err
    assert served == []


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--host", "pas-une-adresse"], "« pas-une-adresse » n'est pas une adresse IP"),
        (["--host", "300.1.2.3"], "« 300.1.2.3 » n'est pas une adresse IP"),
        (["--port", "70000"], "70000 n'est pas un port"),
        (["--port", "huit"], "--port"),
        (["--lang", "de"], "--lang"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(capsys, served, argv, says):
    code, out, err = _run(capsys, "--no-browser", "--lang", "fr", *argv)
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    assert says in err
    assert served == []


def test_the_app_runs_headless_on_127_0_0_1_without_statistics(capsys, served, opened):
    port = _free_port()
    code, out, err = _run(capsys, "--port", str(port), "--lang", "fr", "--store", "projet.gpkg")
    assert code == 0
    ((script, options, script_args),) = served
    assert options["server.address"] == "127.0.0.1"
    assert options["server.port"] == str(port)
    assert options["server.headless"] == "true"  # no first-run e-mail prompt
    assert options["browser.gatherUsageStats"] == "false"
    assert options["logger.hideWelcomeMessage"] == "true"  # no external-address look-up
    # Served for several planners: no file watcher, no full garbage collection after every run.
    assert options["server.fileWatcherType"] == "none"
    assert options["runner.postScriptGC"] == "false"
    assert script_args == ["--lang", "fr", "--store", "projet.gpkg"]
    # The packaged script, never the checkout's app.py.
    assert script.is_file() and Path(zoneplan.__file__).parent in script.parents
    assert f"http://127.0.0.1:{port}" in out
    assert err == ""  # no sharing warning
    assert opened == [f"http://127.0.0.1:{port}"]


def test_no_browser_opens_nothing(capsys, served, opened):
    code, _, _ = _run(capsys, "--port", str(_free_port()), "--no-browser")
    assert code == 0 and len(served) == 1
    assert opened == []


def test_sharing_on_purpose_prints_one_warning_line(capsys, served, opened):
    port = _free_port("0.0.0.0")
    code, out, err = _run(
        capsys, "--host", "0.0.0.0", "--port", str(port), "--no-browser", "--lang", "fr"
    )
    assert code == 0
    assert served[0][1]["server.address"] == "0.0.0.0"
    assert err.count("\n") == 1 and "attention" in err and "réseau" in err
    assert f"http://127.0.0.1:{port}" in out  # the local URL


def _listening_addresses(port: int) -> set[str]:
    """Return the local addresses with a socket listening on ``port`` (Linux ``/proc/net``)."""
    found = set()
    for name, family in (("tcp", socket.AF_INET), ("tcp6", socket.AF_INET6)):
        table = Path("/proc/net") / name
        if not table.exists():
            continue
        for line in table.read_text().splitlines()[1:]:
            fields = line.split()
            address, port_hex = fields[1].split(":")
            if fields[3] != "0A" or int(port_hex, 16) != port:  # 0A: LISTEN
                continue
            raw = bytes.fromhex(address)
            # The kernel writes each 32-bit word in host (little-endian) order.
            raw = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
            found.add(socket.inet_ntop(family, raw))
    return found


def _health(port: int) -> bool:
    no_proxy = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with no_proxy.open(f"http://127.0.0.1:{port}/_stcore/health", timeout=1) as response:
            return response.read() == b"ok"
    except OSError:
        return False


def _static_files_arrive_whole(port: int) -> None:
    """The page's script files arrive byte for byte (they are sent in 1 MB reads, not 64 kB)."""
    import re

    import streamlit

    no_proxy = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with no_proxy.open(f"http://127.0.0.1:{port}/", timeout=10) as response:
        page = response.read().decode()
    static = Path(streamlit.__file__).parent / "static"
    scripts = sorted(
        (static / name for name in re.findall(r'src="\./?(static/js/[^"]+\.js)"', page)),
        key=lambda f: f.stat().st_size,
    )
    assert scripts, "the page names no script file"
    biggest = scripts[-1]
    assert biggest.stat().st_size > app_command.STATIC_CHUNK_BYTES // 4
    with no_proxy.open(
        f"http://127.0.0.1:{port}/{biggest.relative_to(static).as_posix()}", timeout=30
    ) as r:
        assert r.read() == biggest.read_bytes()


def test_the_app_serves_on_127_0_0_1_and_stops_with_sigterm(tmp_path):
    port = _free_port()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    proc = subprocess.Popen(
        [sys.executable, "-c", "from zoneplan.cli import main; main()", "app", "--no-browser"]
        + ["--port", str(port), "--lang", "fr"],
        cwd=elsewhere,
        env={**os.environ, "ZONEPLAN_HOME": str(tmp_path / "home")},
        stdin=subprocess.DEVNULL,  # a prompt would end the app here
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not _health(port):
            assert proc.poll() is None, f"the app ended: {proc.communicate()[0][-2000:]}"
            assert time.monotonic() < deadline, "the app did not answer within 60 s"
            time.sleep(0.25)
        assert _listening_addresses(port) == {"127.0.0.1"}
        _static_files_arrive_whole(port)
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, output[-2000:]
    assert f"http://127.0.0.1:{port}" in output
    assert "Email" not in output and "Traceback" not in output
    # No Streamlit left serving: the port is free again.
    assert _listening_addresses(port) == set()
    assert not _health(port)
