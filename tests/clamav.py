"""A real ClamAV daemon for the tests: Debian's `clamd`, started with a signature database made
here (no signature downloads on these machines). Its signatures match the EICAR test string,
both as the whole file (an MD5 `.hdb` signature, as `sigtool --md5` makes) and anywhere inside
a file (an `.ndb` body signature), so a PDF carrying the string is "infected"."""

import hashlib
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

# The standard anti-virus test file: harmless, recognised by every scanner as a test virus.
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def infected_pdf(tag: str = "") -> bytes:
    """A file the portal accepts as a PDF (by its content) that carries the test virus."""
    return b"%PDF-1.4\n%" + tag.encode() + b"\n" + EICAR + b"\n%%EOF\n"


def clamd_binary() -> str | None:
    return shutil.which("clamd") or shutil.which("clamd", path="/usr/sbin:/usr/local/sbin")


def require_clamd() -> str:
    """The clamd binary, or skip: unless REQUIRE_CLAMD is set (CI), which makes it a failure."""
    binary = clamd_binary()
    if binary is None:
        if os.environ.get("REQUIRE_CLAMD"):
            pytest.fail(
                "clamd is not installed (apt-get install clamav-daemon) and REQUIRE_CLAMD=1"
            )
        pytest.skip("clamd is not installed (apt-get install clamav-daemon)")
    return binary


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Clamd:
    """One clamd process on a Unix socket (default) or a loopback TCP port."""

    def __init__(self, folder: Path, tcp_port: int | None = None):
        self.folder = folder
        self.tcp_port = tcp_port
        self.socket_path = folder / "clamd.sock"
        self.process: subprocess.Popen | None = None

    def start(self) -> "Clamd":
        binary = require_clamd()
        database = self.folder / "db"
        database.mkdir(parents=True, exist_ok=True)
        (database / "test.hdb").write_text(
            f"{hashlib.md5(EICAR).hexdigest()}:{len(EICAR)}:Portal-Test-EICAR-File\n"  # noqa: S324
        )
        (database / "test.ndb").write_text(f"Portal-Test-EICAR-Body:0:*:{EICAR.hex()}\n")
        listen = (
            f"TCPSocket {self.tcp_port}\nTCPAddr 127.0.0.1\n"
            if self.tcp_port
            else f"LocalSocket {self.socket_path}\n"
        )
        config = self.folder / "clamd.conf"
        config.write_text(
            listen + "Foreground yes\n"
            f"DatabaseDirectory {database}\n"
            f"LogFile {self.folder / 'clamd.log'}\n"
            f"PidFile {self.folder / 'clamd.pid'}\n"
            f"TemporaryDirectory {self.folder}\n"
            "SelfCheck 0\n"
        )
        self.process = subprocess.Popen(  # noqa: S603
            [binary, "-c", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self._wait_until_ready()
        return self

    def _ping(self) -> bool:
        try:
            if self.tcp_port:
                conn = socket.create_connection(("127.0.0.1", self.tcp_port), timeout=5)
            else:
                conn = socket.socket(socket.AF_UNIX)
                conn.settimeout(5)
                conn.connect(str(self.socket_path))
            with conn:
                conn.sendall(b"nPING\n")
                return conn.recv(16).strip() == b"PONG"
        except OSError:
            return False

    def _wait_until_ready(self) -> None:
        # Readiness, not a fixed wait: poll until it answers PING (or the process dies).
        for _ in range(600):
            if self.process.poll() is not None:
                log = (self.folder / "clamd.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"clamd exited with {self.process.returncode}:\n{log}")
            if self._ping():
                return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("clamd did not answer PING within a minute")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def config(self) -> dict:
        if self.tcp_port:
            return {"CLAMD_HOST": "127.0.0.1", "CLAMD_PORT": self.tcp_port}
        return {"CLAMD_SOCKET": str(self.socket_path)}
