"""`streamlit run` in a subprocess on a free loopback port, for browser tests and the load test."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED_SECRET = "the-same-cookie-secret-on-every-process"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_healthy(base: str) -> None:
    """Wait until a `streamlit run` answers its health check."""
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as answer:
                if answer.read() == b"ok":
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


@contextmanager
def running_app(database_url: str, today: str = "2026-11-22") -> Iterator[str]:
    """The base URL of the app serving `database_url`, for as long as the block runs."""
    port = free_port()
    env = {
        **os.environ,
        "CONVERGENCE_DATABASE_URL": database_url,
        "CONVERGENCE_TODAY": today,
        "STREAMLIT_SERVER_COOKIE_SECRET": SHARED_SECRET,
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)
