"""Structured page content shipped with the portal (the privacy notice)."""

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
