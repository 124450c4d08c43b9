"""What a risk summary and crisis plan holds (DOMAIN.md §7) and the checks on it: pure functions.

Errors stop a version being saved: they are what the hub cannot store sensibly (no level, a
review date already past, a contact nobody could reach). Warnings do not: a plan with an empty
field or words copied from another case's plan may still be better saved than not, but generic
plans are the common failure (DOMAIN.md §7), so the author is told, field by field, before saving.
"""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any


class RiskLevel(enum.StrEnum):
    STANDARD = "standard"
    MEDIUM = "medium"
    HIGH = "high"
    VERY_HIGH = "very_high"


LEVEL_LABELS = {RiskLevel.STANDARD: "Standard", RiskLevel.MEDIUM: "Medium", RiskLevel.HIGH: "High",
                RiskLevel.VERY_HIGH: "Very high"}

# The free-text fields, in the order the form asks them, with what the form calls them.
TEXT_FIELDS: dict[str, str] = {
    "risk_to": "Who is at risk, and from what",
    "risk_factors": "Risk factors",
    "protective_factors": "Protective factors",
    "early_warning_signs": "Early-warning signs and triggers",
    "de_escalation": "Agreed de-escalation strategies",
    "coping_strategies": "Coping strategies",
    "statutory_thresholds": "Thresholds for statutory intervention",
    "wishes": "The person's own wishes and any advance statement",
}
STAGES = (1, 2, 3, 4)
STAGE_LABELS = {1: "Stage 1: early warning signs", 2: "Stage 2: rising risk",
                3: "Stage 3: crisis", 4: "Stage 4: emergency or statutory intervention"}
MAX_TEXT = 10_000
MAX_CONTACT_FIELD = 200
MAX_CONTACTS = 16


@dataclass(frozen=True)
class Contact:
    """Who to contact at one escalation stage, and how and when."""

    stage: int
    name: str
    role: str
    route: str  # a telephone number, a duty desk, a bleep
    hours: str = ""

    def is_blank(self) -> bool:
        return not any(v.strip() for v in (self.name, self.role, self.route, self.hours))


@dataclass(frozen=True)
class RiskSummaryIn:
    level: str
    risk_to: str = ""
    risk_factors: str = ""
    protective_factors: str = ""
    early_warning_signs: str = ""
    de_escalation: str = ""
    coping_strategies: str = ""
    contacts: tuple[Contact, ...] = ()
    statutory_thresholds: str = ""
    wishes: str = ""
    agreed_with_person: bool | None = None
    next_review: date | None = None
    reviewer: str = ""

    def texts(self) -> dict[str, str]:
        return {name: str(getattr(self, name)).strip() for name in TEXT_FIELDS}

    def content(self) -> dict[str, Any]:
        """What is encrypted: everything but the level and the review date, which stay plain."""
        values = asdict(self)
        values.pop("level")
        values.pop("next_review")
        values["contacts"] = [asdict(c) for c in self.contacts if not c.is_blank()]
        return values

    @classmethod
    def from_content(cls, level: str, next_review: date | None, content: dict[str, Any]) -> RiskSummaryIn:
        contacts = tuple(Contact(**c) for c in content.get("contacts", []))
        known = {k: v for k, v in content.items() if k in _CONTENT_KEYS and k != "contacts"}
        return cls(level=level, next_review=next_review, contacts=contacts, **known)


_CONTENT_KEYS = frozenset(RiskSummaryIn.__dataclass_fields__) - {"level", "next_review"}


def summary_problems(summary: RiskSummaryIn, *, today: date) -> dict[str, str]:
    """Everything that stops the version being saved, keyed by field (all at once)."""
    errors: dict[str, str] = {}
    if summary.level not in set(RiskLevel):
        errors["level"] = "Choose the overall level of risk"
    for name, label in TEXT_FIELDS.items():
        if len(str(getattr(summary, name))) > MAX_TEXT:
            errors[name] = f"{label} must be {MAX_TEXT:,} characters or fewer"
    if summary.next_review is not None and summary.next_review < today:
        errors["next_review"] = "The next review date must be today or in the future"
    if len(summary.reviewer) > MAX_CONTACT_FIELD:
        errors["reviewer"] = f"The reviewer must be {MAX_CONTACT_FIELD} characters or fewer"
    if len(summary.contacts) > MAX_CONTACTS:
        errors["contacts"] = f"Give at most {MAX_CONTACTS} contacts"
    for n, contact in enumerate(summary.contacts):
        where = f"contacts.{n}"
        if contact.stage not in STAGES:
            errors[f"{where}.stage"] = "Choose the escalation stage, 1 to 4"
        if contact.is_blank():
            continue
        for part, label in (("name", "name"), ("role", "role"), ("route", "how to reach them")):
            value = str(getattr(contact, part))
            if not value.strip():
                errors[f"{where}.{part}"] = f"Give the contact's {label}"
            elif len(value) > MAX_CONTACT_FIELD:
                errors[f"{where}.{part}"] = (f"The contact's {label} must be {MAX_CONTACT_FIELD} "
                                             "characters or fewer")
        if len(contact.hours) > MAX_CONTACT_FIELD:
            errors[f"{where}.hours"] = f"The hours must be {MAX_CONTACT_FIELD} characters or fewer"
    return errors


def generic_warnings(summary: RiskSummaryIn, copied: frozenset[str]) -> dict[str, str]:
    """Fields that read as generic: empty, or (``copied``) the same words as another case's plan."""
    warnings: dict[str, str] = {}
    for name, label in TEXT_FIELDS.items():
        if not summary.texts()[name]:
            warnings[name] = f"{label} is empty: write what applies to this person"
        elif name in copied:
            warnings[name] = (f"{label} has the same words as another case's plan: write what "
                              "applies to this person")
    if not any(not c.is_blank() for c in summary.contacts):
        warnings["contacts"] = "Nobody to contact at any escalation stage: name who to call and how"
    if summary.agreed_with_person is None:
        warnings["agreed_with_person"] = "Say whether the plan was agreed with the person"
    if summary.next_review is None:
        warnings["next_review"] = "No next review date: the plan will never be flagged for review"
    elif not summary.reviewer.strip():
        warnings["reviewer"] = "Say who will review the plan"
    return warnings


def review_overdue(next_review: date | None, today: date) -> bool:
    return next_review is not None and next_review < today


# --- cross-agency actions (DOMAIN.md §8) -----------------------------------------------------------

class ActionStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "done"
    NOT_POSSIBLE = "not_possible_circumstances_changed"
    NOT_DONE = "not_done_by_agency"


ACTION_STATUS_LABELS = {
    ActionStatus.OPEN: "Open",
    ActionStatus.DONE: "Done",
    ActionStatus.NOT_POSSIBLE: "Not possible: circumstances changed",
    ActionStatus.NOT_DONE: "Not done by the agency",
}
MAX_TITLE = 500


def action_problems(*, title: str, due: date | None, today: date) -> dict[str, str]:
    """A new action: what it is and when it is due (the agency is checked against the case)."""
    errors: dict[str, str] = {}
    if not title.strip():
        errors["title"] = "Say what the agency is to do"
    elif len(title) > MAX_TITLE:
        errors["title"] = f"The action must be {MAX_TITLE} characters or fewer"
    if due is None:
        errors["due"] = "Enter the date the action is due"
    elif due < today:
        errors["due"] = "The due date must be today or in the future"
    return errors


def status_change_problems(*, current: str, new: str, note: str, evidence: str) -> dict[str, str]:
    """A change of an action's status: a done action needs its evidence, one not done or no
    longer possible the reason, and the status must change."""
    errors: dict[str, str] = {}
    if new not in set(ActionStatus):
        errors["status"] = "Choose open, done, not possible or not done"
    elif new == current:
        errors["status"] = f"The action is already {ACTION_STATUS_LABELS[ActionStatus(new)].lower()}"
    elif new == ActionStatus.DONE and not evidence.strip():
        errors["evidence"] = "Say what was done, as evidence of completion"
    elif new in (ActionStatus.NOT_POSSIBLE, ActionStatus.NOT_DONE) and not note.strip():
        errors["note"] = "Say why the action was not done"
    for name, value in (("note", note), ("evidence", evidence)):
        if len(value) > MAX_TEXT:
            errors[name] = f"Keep it to {MAX_TEXT:,} characters or fewer"
    return errors
