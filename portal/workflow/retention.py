"""The retention schedule (`workflows/retention.yaml`): how long each kind of the portal's own
records is kept and from which event. Pure: dates in, dates out."""

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import yaml

from portal.deadlines.calendar import add_months
from portal.workflow.loader import WorkflowDefinitionError

FILE = "retention.yaml"
# Each kind of record, and the events its period may run from (the first is the usual one).
EVENTS = {
    "identity_documents": ("identity_decision", "request_closed"),
    "disclosure_pack_files": ("delivery_closed", "request_closed"),
    "evidence_uploads": ("request_closed",),
    "messages": ("message_created",),
    "request_records": ("request_closed",),
    "unsubmitted_drafts": ("draft_last_changed",),
}
EVENT_TEXT = {
    "identity_decision": "we decide whether the proof is enough (or your request is closed)",
    "delivery_closed": "the time to download them ends",
    "request_closed": "your request or complaint is closed",
    "message_created": "we send them",
    "draft_last_changed": "you last changed them",
}
UNITS = ("day", "month", "year")
PERIOD = re.compile(r"^(\d+) (day|month|year)s?$")


@dataclass(frozen=True)
class Period:
    number: int
    unit: str

    def after(self, start: date) -> date:
        """The first day the record is due for removal: `start` plus the period."""
        if self.unit == "day":
            return start + timedelta(days=self.number)
        months = self.number * (12 if self.unit == "year" else 1)
        return add_months(start, months)

    def before(self, today: date) -> date:
        """The latest start whose period has run out by `today`."""
        if self.unit == "day":
            return today - timedelta(days=self.number)
        months = self.number * (12 if self.unit == "year" else 1)
        return add_months(today, -months)

    def cutoff(self, now: datetime) -> datetime:
        """The moment before which something last changed has outlived the period: to the
        second for a period in days, from the start of the day for months and years."""
        if self.unit == "day":
            return now - timedelta(days=self.number)
        return datetime.combine(self.before(now.date()), datetime.min.time(), tzinfo=now.tzinfo)

    @property
    def text(self) -> str:
        return f"{self.number} {self.unit}{'' if self.number == 1 else 's'}"


@dataclass(frozen=True)
class RetentionRule:
    kind: str
    label: str
    keep: Period
    start: str  # the event (`from` in the file)

    @property
    def sentence(self) -> str:
        return f"We keep {self.label} for {self.keep.text} after {EVENT_TEXT[self.start]}."


@dataclass(frozen=True)
class RetentionSchedule:
    rules: dict[str, RetentionRule]

    def __getitem__(self, kind: str) -> RetentionRule:
        return self.rules[kind]


def load_retention(directory: Path | str) -> RetentionSchedule:
    """Read and check the file; raise WorkflowDefinitionError naming the file, key and problem."""
    path = Path(directory) / FILE
    problems: list[str] = []

    def problem(key: str, text: str):
        problems.append(f"{FILE}: {key}: {text}")

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise WorkflowDefinitionError([f"{FILE}: (file): missing from {directory}"]) from None
    except yaml.YAMLError as exc:
        raise WorkflowDefinitionError([f"{FILE}: (file): not valid YAML: {exc}"]) from None
    kinds = data.get("kinds") if isinstance(data, dict) else None
    if not isinstance(kinds, dict):
        raise WorkflowDefinitionError([f"{FILE}: kinds: missing: a map of kinds of record"])
    rules = {}
    for kind in kinds:
        if kind not in EVENTS:
            problem(f"kinds.{kind}", f"unknown kind of record (known: {', '.join(EVENTS)})")
    for kind, events in EVENTS.items():
        entry = kinds.get(kind)
        if not isinstance(entry, dict):
            problem(f"kinds.{kind}", "missing: every kind of record needs a period")
            continue
        for key in sorted(set(entry) - {"label", "keep", "from"}):
            problem(f"kinds.{kind}.{key}", "unknown key (known: label, keep, from)")
        label = entry.get("label")
        if not isinstance(label, str) or not label.strip():
            problem(f"kinds.{kind}.label", "missing: what residents read on the privacy page")
        match = PERIOD.match(str(entry.get("keep", "")).strip())
        if not match or int(match.group(1)) < 1:
            problem(
                f"kinds.{kind}.keep",
                f"{entry.get('keep')!r} is not a period such as '30 days', '6 months', '1 year'",
            )
        start = entry.get("from")
        if start not in events:
            problem(f"kinds.{kind}.from", f"{start!r} is not one of: {', '.join(events)}")
        if not problems:
            rules[kind] = RetentionRule(
                kind, label.strip(), Period(int(match.group(1)), match.group(2)), start
            )
    if problems:
        raise WorkflowDefinitionError(problems)
    return RetentionSchedule(rules)
