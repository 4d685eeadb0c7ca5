"""Structured page content shipped with the portal (the privacy notice, the kinds of information
a resident can ask for)."""

from functools import lru_cache
from pathlib import Path

import yaml

CONTENT = Path(__file__).parent / "content"


@lru_cache(maxsize=1)
def privacy_notice() -> dict:
    return yaml.safe_load((CONTENT / "privacy_notice.yaml").read_text(encoding="utf-8"))


def category_keys() -> set[str]:
    return {c["key"] for c in privacy_notice()["categories"]}


def purpose_keys() -> set[str]:
    return {p["key"] for p in privacy_notice()["purposes"]}


def choices(section: str) -> list[tuple[str, str]]:
    """(key, text) pairs for a question built from the notice, text with a capital letter."""
    return [(c["key"], c["text"][0].upper() + c["text"][1:]) for c in privacy_notice()[section]]


@lru_cache(maxsize=1)
def _kinds() -> dict:
    return yaml.safe_load((CONTENT / "information_kinds.yaml").read_text(encoding="utf-8"))


def information_kinds() -> list[dict]:
    """The kinds of information an access request can ask for: key, text, hint, categories."""
    return _kinds()["kinds"]


def everything_choice() -> tuple[str, str]:
    """The "not sure, search everything" option: (key, text)."""
    return _kinds()["everything"]["key"], _kinds()["everything"]["text"]


def categories_for(chosen) -> list[str]:
    """The privacy notice's categories (which routing.yaml gives to services) that the chosen
    kinds stand for, in the notice's order. "Search everything" stands for every category; a
    category key itself (requests sent when the question listed the notice's categories) stands
    for itself."""
    order = [c["key"] for c in privacy_notice()["categories"]]
    everything = everything_choice()[0]
    by_kind = {k["key"]: set(k["categories"]) for k in information_kinds()}
    wanted: set[str] = set()
    for value in chosen or []:
        if value == everything:
            return order
        wanted |= by_kind.get(value, {value} & set(order))
    return [key for key in order if key in wanted]
