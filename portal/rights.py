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
        "Get a copy of the information we hold",
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
        "Ask us to limit how we use the information (restriction)",
        "We keep the information but stop using it, for example while we check whether it is "
        "correct.",
        "us to limit how we use your information",
    ),
    Right(
        "objection",
        "Object to how we use the information",
        "Ask us to stop using it for a particular purpose because of your situation.",
        "us to stop using your information (objection)",
    ),
)
RIGHTS = tuple(r.code for r in ALL)
BY_CODE = {r.code: r for r in ALL}
RIGHT_CHOICES = [(r.code, r.choice) for r in ALL]
RIGHT_HINTS = {r.code: r.hint for r in ALL}
RIGHT_LABELS = {r.code: r.asks_for for r in ALL}
# Whose information a request is about, as the person asking says it (subject_relation).
WHOSE = {"self": "your", "child": "your child's", "represented": "their"}


def asks_for(code: str, relation: str | None) -> str:
    """What was asked for, worded for who asked: "a copy of your child's information"."""
    return whose_information(BY_CODE[code].asks_for, relation)


def whose_information(text: str, relation: str | None) -> str:
    """Fixed wording written to someone asking about themselves ("your information"), worded
    for who asked: "your child's information", "their information". Only for our own wording,
    never for what staff or residents typed."""
    whose = WHOSE.get(relation, "your")
    text = text.replace("your information", f"{whose} information")
    return text.replace("Your information", f"{whose[0].upper()}{whose[1:]} information")


# A complaint to the council (DPA 2018 s.164A) is a case of its own kind beside the four rights:
# stored like a request, run by the same engine through workflows/complaint.yaml.
COMPLAINT = "complaint"
CASE_KINDS = (*RIGHTS, COMPLAINT)
CASE_LABELS = {**RIGHT_LABELS, COMPLAINT: "a complaint about how we handled your information"}
# Staff name each kind of case by its short legal name, not the resident's words ("Access", not
# "a copy of your information").
STAFF_CASE_LABELS = {
    "access": "Access",
    "rectification": "Rectification",
    "restriction": "Restriction",
    "objection": "Objection",
    COMPLAINT: "Complaint",
}
# What a complaint is about, on the online form and the staff intake form alike.
COMPLAINT_ABOUT = {
    "request": "How we handled a request about information (a copy, a correction, a "
    "restriction or an objection)",
    "use": "How we used, shared or looked after someone's information",
    "other": "Something else about personal information",
}
