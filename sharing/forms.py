"""What the risk-summary form posts, turned into the rules' input, and the rules' problems turned
back into the fields that hold them.

Nothing here touches the database or Flask's request: a form is a
``werkzeug.datastructures.MultiDict`` of what was posted. Answers are kept as they were typed
(strings; the contacts a list of dicts), so that a form shown again loses nothing. Contacts are
posted as ``contacts.N.stage``, ``contacts.N.name`` … in rows grouped by stage; the form always
offers at least one row per stage, and blank rows are left out of the summary.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from werkzeug.datastructures import MultiDict

from hub.text import without_control_characters
from hub.web.forms import long_date as long_date  # the pages call forms.long_date
from hub.web.forms import read_date
from sharing.rules import (
    LEVEL_LABELS,
    MAX_CONTACT_FIELD,
    MAX_CONTACTS,
    MAX_TEXT,
    STAGE_LABELS,
    STAGES,
    TEXT_FIELDS,
    Contact,
    RiskLevel,
    RiskSummaryIn,
)

Answers = dict[str, Any]
Problems = dict[str, str]
Form = MultiDict[str, str]

LEVELS: list[tuple[str, str]] = [(str(level), LEVEL_LABELS[level]) for level in RiskLevel]
LEVEL_WORDS = dict(LEVELS)
# GOV.UK tag colours, from the lowest level to the highest.
LEVEL_TAGS = {"standard": "govuk-tag--blue", "medium": "govuk-tag--yellow",
              "high": "govuk-tag--orange", "very_high": "govuk-tag--red"}
YES_NO = {"yes": "Yes", "no": "No"}
CONTACT_PARTS = ("name", "role", "route", "hours")
CONTACT_LABELS = {"name": "Name", "role": "Role", "route": "How to reach them", "hours": "Hours"}
CONTACT_HINTS = {"route": "A telephone number, a duty desk or a bleep, as the person or a partner "
                          "would use it",
                 "hours": "For example, weekdays 9am to 5pm, or 24 hours"}

# What each text field asks for: generic plans are the common failure (DOMAIN.md §7), so every
# hint asks for what is true of this person.
HINTS = {
    "risk_to": "Name who is at risk (the person, a child, a partner, staff) and from what, for this "
               "person now",
    "risk_factors": "What makes harm more likely for this person: events, dates, places, people, substances",
    "protective_factors": "What keeps this person safe: people, routines, places, things they value",
    "early_warning_signs": "Write the signs this person shows, in their words where you can, and what "
                           "sets them off",
    "de_escalation": "What has been agreed works for this person when things start to go wrong, and "
                     "who does it",
    "coping_strategies": "What this person does, or says helps them, when they are struggling",
    "statutory_thresholds": "When an agency would act under its statutory powers for this person, for "
                            "example a Mental Health Act assessment",
    "wishes": "What the person wants to happen, and not to happen, in a crisis, in their own words; "
              "any advance statement and where it is kept",
}

NEXT_REVIEW = "next_review"
FIELD_ORDER: tuple[str, ...] = ("level", *TEXT_FIELDS, "contacts", "agreed_with_person",
                                NEXT_REVIEW, "reviewer")
FIELD_LABELS = {"level": "Overall level of risk", **TEXT_FIELDS, "contacts": "Who to contact",
                "agreed_with_person": "Agreed with the person", NEXT_REVIEW: "Next review",
                "reviewer": "Reviewer"}

def _typed(value: object, limit: int) -> str:
    """What was typed, line breaks as ``\\n``; one character past ``limit`` is kept so that the
    rules, not this reader, say it is too long."""
    text = without_control_characters(str(value or "").replace("\r\n", "\n").replace("\r", "\n"))
    return text[: limit + 1]


def _stage(raw: object) -> int:
    text = str(raw or "").strip()
    return int(text) if text.isdigit() and len(text) < 3 else 0


def blank_contact(stage: int) -> dict[str, str]:
    return {"stage": str(stage), "name": "", "role": "", "route": "", "hours": ""}


def _is_blank(row: Mapping[str, str]) -> bool:
    return not any(str(row.get(part) or "").strip() for part in CONTACT_PARTS)


def with_every_stage(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """The contact rows grouped by stage (in the order given within a stage), with a blank row
    for any stage that has none; rows of no known stage last."""
    rows = [*rows, *(blank_contact(s) for s in STAGES if not any(_stage(r["stage"]) == s for r in rows))]
    order = {s: i for i, s in enumerate(STAGES)}
    return sorted(rows, key=lambda r: order.get(_stage(r["stage"]), len(STAGES)))


def summary_answers(form: Form) -> Answers:
    """What the form (or the check page's hidden fields) posted, as typed."""
    answers: Answers = {"level": _typed(form.get("level"), 20)}
    for name in TEXT_FIELDS:
        answers[name] = _typed(form.get(name), MAX_TEXT)
    rows: list[dict[str, str]] = []
    # Rows are read by number, up to a few past the limit, so that too many is reported.
    for n in range(MAX_CONTACTS * 2):
        if f"contacts.{n}.stage" not in form:
            continue
        row = {"stage": _typed(form.get(f"contacts.{n}.stage"), 2)}
        row.update({part: _typed(form.get(f"contacts.{n}.{part}"), MAX_CONTACT_FIELD)
                    for part in CONTACT_PARTS})
        rows.append(row)
    answers["contacts"] = with_every_stage(rows)
    answers["agreed_with_person"] = _typed(form.get("agreed_with_person"), 3)
    for part in ("day", "month", "year"):
        answers[f"{NEXT_REVIEW}-{part}"] = _typed(form.get(f"{NEXT_REVIEW}-{part}"), 10)
    answers["reviewer"] = _typed(form.get("reviewer"), MAX_CONTACT_FIELD)
    answers["based_on"] = based_on(form.get("based_on"))
    return answers


def based_on(raw: object) -> int:
    """The version the form was started from; 0 (none) for anything that is not a number, so a
    tampered value can only make the save refuse (409), never skip the check."""
    text = str(raw or "").strip()
    return int(text) if text.isdigit() and len(text) < 10 else 0


@dataclass(frozen=True)
class Read:
    """The summary the answers describe, what could not be read, and, for each contact the
    summary holds, the number of its row on the form (the rules number contacts in the summary)."""

    summary: RiskSummaryIn
    problems: Problems
    contact_rows: tuple[int, ...]

    def form_problems(self, found: Mapping[str, str]) -> Problems:
        """The rules' (or the services') problems, keyed by the form's fields."""
        problems: Problems = {}
        for name, message in found.items():
            parts = name.split(".")
            if len(parts) == 3 and parts[0] == "contacts" and parts[1].isdigit():
                n = int(parts[1])
                row = self.contact_rows[n] if n < len(self.contact_rows) else n
                name = f"contacts.{row}.{parts[2]}"
            problems.setdefault(name, message)
        return {**problems, **self.problems}


def summary_from_answers(answers: Mapping[str, Any]) -> Read:
    problems: Problems = {}
    next_review, error = read_date(answers, NEXT_REVIEW, "The next review date")
    if error:
        problems[NEXT_REVIEW] = error
    contacts: list[Contact] = []
    rows: list[int] = []
    for n, row in enumerate(answers.get("contacts") or []):
        if _is_blank(row):
            continue
        contacts.append(Contact(stage=_stage(row.get("stage")), name=row["name"].strip(),
                                role=row["role"].strip(), route=row["route"].strip(),
                                hours=row["hours"].strip()))
        rows.append(n)
    agreed = {"yes": True, "no": False}.get(str(answers.get("agreed_with_person") or ""))
    summary = RiskSummaryIn(
        level=str(answers.get("level") or ""),
        **{name: str(answers.get(name) or "").strip() for name in TEXT_FIELDS},
        contacts=tuple(contacts), agreed_with_person=agreed, next_review=next_review,
        reviewer=str(answers.get("reviewer") or "").strip(),
    )
    return Read(summary, problems, tuple(rows))


def answers_from_summary(summary: RiskSummaryIn, version: int) -> Answers:
    """A saved version's answers, to write the next version from."""
    answers: Answers = {"level": summary.level, **{name: str(getattr(summary, name)) for name in TEXT_FIELDS}}
    answers["contacts"] = with_every_stage([
        {"stage": str(c.stage), "name": c.name, "role": c.role, "route": c.route, "hours": c.hours}
        for c in summary.contacts])
    answers["agreed_with_person"] = {True: "yes", False: "no", None: ""}[summary.agreed_with_person]
    day = summary.next_review
    answers.update({f"{NEXT_REVIEW}-day": str(day.day) if day else "",
                    f"{NEXT_REVIEW}-month": str(day.month) if day else "",
                    f"{NEXT_REVIEW}-year": str(day.year) if day else ""})
    answers["reviewer"] = summary.reviewer
    answers["based_on"] = version
    return answers


def empty_answers() -> Answers:
    return {"contacts": with_every_stage([]), "based_on": 0}


def contacts_by_stage(rows: list[dict[str, str]]) -> list[tuple[int, str, list[tuple[int, dict[str, str]]]]]:
    """The form's fieldsets: (stage, its label, [(row number, row)]) for every stage, in order."""
    grouped = [(s, STAGE_LABELS[s], [(n, r) for n, r in enumerate(rows) if _stage(r["stage"]) == s])
               for s in STAGES]
    unknown = [(n, r) for n, r in enumerate(rows) if _stage(r["stage"]) not in STAGES]
    if unknown:
        grouped.append((0, "Contacts of no known stage", unknown))
    return grouped


def first_field(name: str, answers: Mapping[str, Any]) -> str:
    """The id of the input an error summary links to for a problem keyed ``name``."""
    if name == NEXT_REVIEW:
        return f"{NEXT_REVIEW}-day"
    if name == "contacts":
        return "contacts.0.name"
    parts = name.split(".")
    if len(parts) == 3 and parts[0] == "contacts" and parts[2] not in CONTACT_PARTS:
        return f"contacts.{parts[1]}.name"
    return name


def ordered(problems: Mapping[str, str]) -> list[tuple[str, str]]:
    """Problems in the order their fields appear on the form (contacts by row, then part)."""
    def rank(name: str) -> tuple[int, int, int]:
        parts = name.split(".")
        if parts[0] == "contacts" and len(parts) == 3 and parts[1].isdigit():
            part = parts[2]
            return (FIELD_ORDER.index("contacts"), int(parts[1]),
                    CONTACT_PARTS.index(part) if part in CONTACT_PARTS else -1)
        return (FIELD_ORDER.index(name) if name in FIELD_ORDER else len(FIELD_ORDER), 0, 0)

    return sorted(problems.items(), key=lambda item: rank(item[0]))


def hidden_fields(answers: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The answers as (name, value) pairs, to carry them in the check page's POST body (never in
    a URL); blank contact rows are left out (the form offers them again)."""
    pairs = [("level", str(answers.get("level") or ""))]
    pairs += [(name, str(answers.get(name) or "")) for name in TEXT_FIELDS]
    kept = [r for r in answers.get("contacts") or [] if not _is_blank(r)]
    for n, row in enumerate(kept):
        pairs.append((f"contacts.{n}.stage", row["stage"]))
        pairs += [(f"contacts.{n}.{part}", row[part]) for part in CONTACT_PARTS]
    pairs.append(("agreed_with_person", str(answers.get("agreed_with_person") or "")))
    pairs += [(f"{NEXT_REVIEW}-{part}", str(answers.get(f"{NEXT_REVIEW}-{part}") or ""))
              for part in ("day", "month", "year")]
    pairs.append(("reviewer", str(answers.get("reviewer") or "")))
    pairs.append(("based_on", str(answers.get("based_on") or 0)))
    return pairs


def yes_no(value: bool | None) -> str:
    return {True: "Yes", False: "No", None: "Not answered"}[value]


def stage_words(stage: int) -> str:
    return STAGE_LABELS.get(stage, f"Stage {stage}")
