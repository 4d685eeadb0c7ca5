"""Whole numbers from untrusted text (query strings, hidden fields, path segments), in one place.

Only ASCII digits count: `str.isdigit()` is true for "²" and `int()` takes "١٢", and neither is
a number anyone types into this portal. Anything beyond a 64-bit integer column is refused too,
so no value reaches the database that it cannot store."""

import re

from werkzeug.routing import IntegerConverter

BIGINT_MAX = 2**63 - 1
_DIGITS = re.compile(r"[0-9]{1,19}")


def whole_number(value, default=None, maximum: int = BIGINT_MAX):
    """The number `value` spells in ASCII digits, from 0 to `maximum`; otherwise `default`."""
    if not isinstance(value, str | int) or isinstance(value, bool):
        return default
    text = str(value).strip()
    if not _DIGITS.fullmatch(text):
        return default
    number = int(text)
    return number if number <= maximum else default


class SafeIntConverter(IntegerConverter):
    """`<int:...>` in a route: ASCII digits only, at most a 64-bit integer; anything else is
    "not found" (404) instead of reaching a query the database refuses."""

    regex = r"[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        from werkzeug.routing import ValidationError

        number = whole_number(value)
        if number is None:
            raise ValidationError()
        return number


# Past any page a list could have; a bigger page number is page 1.
MAX_PAGE = 100_000
