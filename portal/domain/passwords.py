"""Staff password hashing (argon2id). The cost comes from the app's configuration: production
uses argon2-cffi's RFC 9106 low-memory profile, and the app refuses to start in production with
anything cheaper; the test suite sets a cheap profile so it does not spend its time hashing.
A process runs one app, so the hasher is one object, set up by `create_app`."""

import contextlib

from argon2 import Parameters, PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

PRODUCTION_PARAMETERS = profiles.RFC_9106_LOW_MEMORY


class ConfiguredHasher:
    def __init__(self, parameters: Parameters = PRODUCTION_PARAMETERS):
        self.use(parameters)

    def use(self, parameters: Parameters) -> None:
        self.parameters = parameters
        self._hasher = PasswordHasher.from_parameters(parameters)
        self._dummy_hash: str | None = None

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        """Raises argon2's VerificationError or InvalidHashError when it does not match."""
        return self._hasher.verify(password_hash, password)

    def check_needs_rehash(self, password_hash: str) -> bool:
        return self._hasher.check_needs_rehash(password_hash)

    def burn(self, password: str) -> None:
        """One verification that always fails, at the same cost as a real one: checking a
        password for an unknown email then takes as long as for a known one."""
        if self._dummy_hash is None:
            self._dummy_hash = self.hash("not-a-real-password-used-for-timing")
        with contextlib.suppress(VerificationError, InvalidHashError):
            self.verify(self._dummy_hash, password or "x")


def weaker_than_production(parameters: Parameters) -> bool:
    return (
        parameters.time_cost < PRODUCTION_PARAMETERS.time_cost
        or parameters.memory_cost < PRODUCTION_PARAMETERS.memory_cost
        or parameters.hash_len < PRODUCTION_PARAMETERS.hash_len
        or parameters.salt_len < PRODUCTION_PARAMETERS.salt_len
    )


HASHER = ConfiguredHasher()
