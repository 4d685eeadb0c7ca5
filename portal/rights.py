"""The four data rights this portal handles, defined once: their codes and how each page or
message names them. Pure data, importable from every layer (the calendar included)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Right:
    code: str
    choice: str  # the resident's option on "What do you want to do?"
    hint: str  # shown under that option
    asks_for: str  # "You asked for ..." in messages and on the tracking and queue pages


ALL = (
    Right(
        "access",
        "Get a copy of the information you hold",
        "This is sometimes called a subject access request.",
        "a copy of your information",
    ),
    Right(
        "rectification",
        "Correct information that is wrong, or complete information that is missing",
        "Tell us what is wrong or missing and what it should say.",
        "your information to be corrected or completed",
    ),
    Right(
        "restriction",
        "Limit how you use the information (restriction)",
        "We keep the information but stop using it, for example while we check whether it is "
        "correct.",
        "us to limit how we use your information",
    ),
    Right(
        "objection",
        "Object to how you use the information",
        "Ask us to stop using it for a particular purpose because of your situation.",
        "us to stop using your information (objection)",
    ),
)
RIGHTS = tuple(r.code for r in ALL)
BY_CODE = {r.code: r for r in ALL}
RIGHT_CHOICES = [(r.code, r.choice) for r in ALL]
RIGHT_HINTS = {r.code: r.hint for r in ALL}
RIGHT_LABELS = {r.code: r.asks_for for r in ALL}
