"""``zoneplan app``: serve the planners' app (Streamlit) on this machine and open it in the browser.

Streamlit runs in this process: stopping the command (Ctrl-C, SIGTERM) stops the server with it.
It runs headless (no first-run e-mail prompt, no usage statistics) and prints its URL itself, so
Streamlit never looks up the machine's external address.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import ipaddress
import os
import socket
import sys
import threading
import time
from importlib import resources
from pathlib import Path

from geo.errors import InputError
from geo.i18n import t
from zoneplan.cli import CLI

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8501
#: How long the browser waits for the server's first answer.
BROWSER_WAIT_S = 60.0
#: How long the warm-up waits for the first page's run.
WARM_UP_WAIT_S = 180.0
#: The packaged script (``zoneplan/ui/entry/streamlit_app.py``), found as package data.
SCRIPT = ("zoneplan.ui.entry", "streamlit_app.py")

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def register(cli: CLI) -> None:
    """Add the ``app`` command."""
    p = cli.command("app", run_app)
    p.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        metavar=cli.metavar("port"),
        help=cli.text("cli.app.port"),
    )
    p.add_argument(
        "--host", default=DEFAULT_HOST, metavar=cli.metavar("host"), help=cli.text("cli.app.host")
    )
    p.add_argument(
        "--no-browser",
        "--headless",
        dest="no_browser",
        action="store_true",
        help=cli.text("cli.app.no_browser"),
    )


def run_app(args: argparse.Namespace) -> int:
    """Check the address and port, print the URL, then serve the app until stopped."""
    host = _address(args.host, args.lang)
    _check_can_listen(host, args.port, args.lang)
    url = local_url(host, args.port)
    if not host.is_loopback:
        print(t("app.launch.shared", args.lang, host=host, port=args.port), file=sys.stderr)
    print(t("app.launch.url", args.lang, url=url), flush=True)
    if not args.no_browser:
        _open_when_ready(url)
    _warm_up_when_ready(url)
    script_args = ["--lang", args.lang] + (["--store", args.store] if args.store else [])
    code = _serve(_script(), streamlit_options(host, args.port), script_args)
    print(t("app.launch.stopped", args.lang), flush=True)
    return code


def streamlit_options(host: Address, port: int) -> dict[str, str]:
    """Return the Streamlit settings ``zoneplan app`` runs with (whatever the user's config says)."""
    return {
        "server.address": str(host),
        "server.port": str(port),
        # Headless: no first-run e-mail prompt (it would block without a terminal), and the
        # browser is opened here once the server answers.
        "server.headless": "true",
        "browser.gatherUsageStats": "false",
        # The URL is printed in the user's language; Streamlit's own lines would look up the
        # machine's external address on the internet when the app is shared.
        "logger.hideWelcomeMessage": "true",
        # An installed app does not reload on file changes; watching site-packages costs CPU.
        "server.fileWatcherType": "none",
        "client.toolbarMode": "viewer",
        # The warm-up (_warm_up_when_ready) runs the first page once through this check.
        "server.scriptHealthCheckEnabled": "true",
        "logger.level": "warning",
        # Streamlit runs a full garbage collection after every script run; with the shared map and
        # layer caches in memory that was most of a cached rerun's CPU (py-spy, 8 sessions at once).
        # Python's own collector still runs.
        "runner.postScriptGC": "false",
    }


#: Bytes read at a time when the server sends a file (Starlette's default: 64 kB).
STATIC_CHUNK_BYTES = 1024 * 1024


def local_url(host: Address, port: int) -> str:
    """Return the URL a browser on this machine opens (loopback when serving every address)."""
    if host.is_unspecified:
        host = ipaddress.ip_address("::1" if host.version == 6 else "127.0.0.1")
    shown = f"[{host}]" if host.version == 6 else str(host)
    return f"http://{shown}:{port}"


def _address(text: str, lang: str) -> Address:
    if text == "localhost":
        return ipaddress.ip_address(DEFAULT_HOST)
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        raise InputError(t("app.launch.bad_host", lang, host=text)) from None


def _bind_error(host: Address, port: int) -> OSError | None:
    """Return why a server could not listen on ``host:port`` (None when it can)."""
    family = socket.AF_INET6 if host.version == 6 else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        # As the server does: a port left in TIME_WAIT by a previous run is free.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((str(host), port))
        except OSError as exc:
            return exc
    return None


def _check_can_listen(host: Address, port: int, lang: str) -> None:
    if not 0 < port < 65536:
        raise InputError(t("app.launch.bad_port", lang, port=port))
    exc = _bind_error(host, port)
    if exc is None:
        return
    if exc.errno == errno.EADDRINUSE:
        nearby = range(port + 1, min(port + 100, 65536))
        free = next((p for p in nearby if _bind_error(host, p) is None), DEFAULT_PORT + 1)
        raise InputError(t("app.launch.port_in_use", lang, port=port, free=free))
    if exc.errno == errno.EADDRNOTAVAIL:
        raise InputError(t("app.launch.not_here", lang, host=host))
    raise InputError(t("app.launch.cannot_listen", lang, host=host, port=port, reason=exc.strerror))


def _script() -> Path:
    """Return the app's Streamlit script, from the installed package (never the checkout's app.py)."""
    package, name = SCRIPT
    return Path(str(resources.files(package) / name))


def _open_when_ready(url: str) -> None:
    """Open ``url`` in the browser once the server answers (from a background thread)."""
    desktop = os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    if sys.platform.startswith("linux") and not desktop:
        return  # no desktop: a text-mode browser would take over the terminal

    def wait_then_open() -> None:
        import urllib.request
        import webbrowser

        no_proxy = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        deadline = time.monotonic() + BROWSER_WAIT_S
        while time.monotonic() < deadline:
            try:
                with no_proxy.open(f"{url}/_stcore/health", timeout=1):
                    webbrowser.open(url)
                    return
            except OSError:
                time.sleep(0.25)

    threading.Thread(target=wait_then_open, name="zoneplan-browser", daemon=True).start()


def _warm_up_when_ready(url: str) -> None:
    """Run the first page once as soon as the server answers (from a background thread).

    Streamlit's script health check runs the app's script in a session of its own: the imports,
    the zones, the first map and its analysis are ready in the server's shared caches while the
    browser is still loading Streamlit's page, so the first planner's map comes sooner.
    """

    def warm_up() -> None:
        import urllib.request

        no_proxy = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        deadline = time.monotonic() + BROWSER_WAIT_S
        while time.monotonic() < deadline:
            try:
                with no_proxy.open(f"{url}/_stcore/health", timeout=1):
                    break
            except OSError:
                time.sleep(0.05)
        with contextlib.suppress(OSError):
            no_proxy.open(f"{url}/_stcore/script-health-check", timeout=WARM_UP_WAIT_S).close()

    threading.Thread(target=warm_up, name="zoneplan-warm-up", daemon=True).start()


def _serve(script: Path, options: dict[str, str], script_args: list[str]) -> int:
    """Run ``streamlit run script`` in this process until a signal stops the server."""
    from starlette.responses import FileResponse
    from streamlit.web import cli as streamlit_cli

    # Streamlit's script and font files (about 150, 5.7 MB per new browser) are read 64 kB at a
    # time, each read handed to a worker thread; 1 MB reads serve them in one or a few hand-offs
    # (server CPU for 8 new sessions at once: 1.41 -> 1.19 s, benchmarks/bench_sessions.py).
    FileResponse.chunk_size = STATIC_CHUNK_BYTES
    flags = [f"--{name}={value}" for name, value in options.items()]
    streamlit_cli.main.main(
        args=["run", str(script), *flags, "--", *script_args],
        prog_name="streamlit",
        standalone_mode=False,
    )
    return 0
