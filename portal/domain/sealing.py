"""One-time codes are secrets: in the outbox they are sealed (Fernet: AES-128-CBC with an
HMAC-SHA256, from the `cryptography` library) with a key derived from SECRET_KEY by HKDF, and
opened in memory only by the sender, at send time. The sealed value is replaced once the
message is sent or has failed for good (portal/notify/dispatch.py).

The keys are registered for the process when the app is made (`CODE_SEAL.use(secret)`, as the
password hasher's cost is), so the worker opens codes without passing SECRET_KEY around."""

import base64
import threading

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PREFIX = "sealed:v1:"
_INFO = b"data-rights portal: one-time codes in the outbox"


class CannotOpen(Exception):
    """Sealed with a key this process does not have (SECRET_KEY changed): the code is useless
    anyway, since its hash is keyed by the same secret."""


def _fernet(secret: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(secret.encode())
    return Fernet(base64.urlsafe_b64encode(key))


class CodeSeal:
    def __init__(self):
        self._keys: dict[str, Fernet] = {}
        self._lock = threading.Lock()

    def use(self, secret: str) -> None:
        """Make codes sealed with this secret openable in this process (the newest first)."""
        with self._lock:
            self._keys.pop(secret, None)
            self._keys = {secret: _fernet(secret), **self._keys}

    def seal(self, secret: str, value: str) -> str:
        return PREFIX + _fernet(secret).encrypt(value.encode()).decode()

    def open(self, value: str) -> str:
        """The clear text of a sealed value; anything not sealed (a row queued before codes
        were sealed, or `notify check`'s sample) is returned as it is."""
        if not isinstance(value, str) or not value.startswith(PREFIX):
            return value
        with self._lock:
            keys = list(self._keys.values())
        if not keys:
            raise CannotOpen("no key registered")
        try:
            return MultiFernet(keys).decrypt(value[len(PREFIX) :].encode()).decode()
        except InvalidToken as exc:
            raise CannotOpen("sealed with another key") from exc

    def open_all(self, personalisation: dict) -> dict:
        return {k: self.open(v) for k, v in personalisation.items()}


CODE_SEAL = CodeSeal()
