"""Malware scanning of uploads with ClamAV's daemon, `clamd`, through its INSTREAM command.

`clamav-client` (the maintained fork of the `clamd` package, which has had no release since
2014) speaks the protocol over a Unix socket (`CLAMD_SOCKET`) or TCP (`CLAMD_HOST`,
`CLAMD_PORT`). With neither set there is no scanner: uploads are accepted unscanned and the
staff area says so. A scanner that is configured but does not answer is never taken for a clean
result: `ScannerUnavailable` is raised and the upload refused (fail closed)."""

import logging
from typing import BinaryIO, Protocol

from clamav_client.clamd import ClamdError, ClamdNetworkSocket, ClamdUnixSocket

log = logging.getLogger(__name__)

DEFAULT_PORT = 3310
DEFAULT_TIMEOUT = 20.0


class ScannerUnavailable(Exception):
    """The scanner did not give a verdict (not running, timed out, refused the stream)."""


class Scanner(Protocol):
    enabled: bool
    description: str

    def scan(self, stream: BinaryIO) -> str | None:
        """The name of the signature found, None when clean; raises ScannerUnavailable."""


class NoScanner:
    """The embedded default: nothing configured, nothing scanned."""

    enabled = False
    description = "off"

    def scan(self, stream: BinaryIO) -> str | None:
        return None


NO_SCANNER = NoScanner()


class ClamdScanner:
    enabled = True

    def __init__(self, client: ClamdNetworkSocket, description: str):
        self.client = client
        self.description = description

    @classmethod
    def unix(cls, path: str, timeout: float = DEFAULT_TIMEOUT) -> "ClamdScanner":
        return cls(ClamdUnixSocket(path, timeout=timeout), f"ClamAV at {path}")

    @classmethod
    def tcp(cls, host: str, port: int, timeout: float = DEFAULT_TIMEOUT) -> "ClamdScanner":
        return cls(ClamdNetworkSocket(host, port, timeout=timeout), f"ClamAV at {host}:{port}")

    def scan(self, stream: BinaryIO) -> str | None:
        try:
            results = self.client.instream(stream)
        except (ClamdError, OSError, AttributeError) as exc:
            # AttributeError: the client closes a socket it never made when creating it failed.
            log.warning("virus scanner unavailable: %s", type(exc).__name__)
            raise ScannerUnavailable(str(exc)) from exc
        status, signature = results.get("stream", (None, None))
        if status == "OK":
            return None
        if status == "FOUND":
            return signature or "unknown"
        log.warning("virus scanner gave no verdict: %s", status)
        raise ScannerUnavailable(f"no verdict: {status}")


def scanner_from_config(config) -> Scanner:
    """CLAMD_SOCKET (a Unix socket path) or CLAMD_HOST (+ CLAMD_PORT); none: no scanning."""
    timeout = float(config.get("CLAMD_TIMEOUT") or DEFAULT_TIMEOUT)
    if config.get("CLAMD_SOCKET"):
        return ClamdScanner.unix(config["CLAMD_SOCKET"], timeout)
    if config.get("CLAMD_HOST"):
        port = int(config.get("CLAMD_PORT") or DEFAULT_PORT)
        return ClamdScanner.tcp(config["CLAMD_HOST"], port, timeout)
    return NO_SCANNER
