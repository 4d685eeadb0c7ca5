"""The README's production web server (waitress, from the `production` extra) reads each request
whole before a thread handles it, so clients that send their requests a byte at a time
(slowloris) hold connections but no threads: another client is still served. The server runs
as a real process on port 5101 (or a free port when that is taken)."""

import os
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

from tests.integration.test_scale_out import wait_until_ready

ROOT = Path(__file__).resolve().parents[2]
PORT = int(os.environ.get("SLOW_CLIENT_PORT", "5101"))
THREADS = 2
SLOW_CLIENTS = 4 * THREADS  # far more dribbling connections than the server has threads


def _port() -> int:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", PORT))
            return PORT
        except OSError:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]


def production_server(port: int, database_url: str, tmp_path) -> subprocess.Popen:
    """The README's example, on loopback: waitress-serve --threads N --call portal:create_app."""
    command = [
        str(Path(sys.executable).parent / "waitress-serve"),
        "--host=127.0.0.1",
        f"--port={port}",
        f"--threads={THREADS}",
        "--call",
        "portal:create_app",
    ]
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "slow-client-test-" + "k" * 32,
        "UPLOAD_STORAGE_DIR": str(tmp_path / "files"),
    }
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def _dribble(sock: socket.socket, data: bytes) -> None:
    sock.sendall(data)


def test_slow_clients_do_not_stop_another_client_being_served(database_url, tmp_path):
    port = _port()
    server = production_server(port, database_url, tmp_path)
    url = f"http://127.0.0.1:{port}"
    slow = []
    try:
        wait_until_ready(server, url)
        for _ in range(SLOW_CLIENTS):
            sock = socket.create_connection(("127.0.0.1", port), timeout=30)
            _dribble(sock, b"GET /staff/sign-in HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            slow.append(sock)
        for round_ in range(3):  # each slow client sends one more byte, never the end
            for sock in slow:
                _dribble(sock, b"abc"[round_ : round_ + 1])

        # While every slow request is still incomplete, another client is served in full.
        with urllib.request.urlopen(url + "/staff/sign-in", timeout=60) as response:  # noqa: S310
            assert response.status == 200
            assert b"Sign in" in response.read()

        # The slow clients were still connected, mid-request, all along.
        for sock in slow:
            _dribble(sock, b"d")
        assert server.poll() is None
    finally:
        for sock in slow:
            sock.close()
        server.terminate()
        server.wait(timeout=30)
