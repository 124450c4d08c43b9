"""Reading the supervision and allocation forms (concerns.supervision_views): the answers as
typed, what they mean to the services, and the services' problems mapped back onto the fields."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from concerns.forms import NOBODY, Answers, Problems, typed
from concerns.rules import ActionIn, DiscussionIn, SessionIn
from hub.web.forms import date_parts, read_date

# --- allocation and supervision -------------------------------------------------------------------

def allocation_answers(form: Any) -> Answers:
    return {"allocate_to": typed(form, "allocate_to")[:40]}


def allocation_from_answers(answers: Mapping[str, Any]) -> uuid.UUID | None:
    """The person chosen, None for "No one" (which ends the allocation); a choice that is not an
    id is nobody, whom the services refuse by name."""
    text = str(answers.get("allocate_to") or "").strip()
    if not text:
        return None
    try:
        return uuid.UUID(text)
    except ValueError:
        return NOBODY


def allocation_problems(found: Mapping[str, str]) -> Problems:
    return {("allocate_to" if name == "user_id" else name): message for name, message in found.items()}


# A session's form: who, when, the cases discussed (checkboxes of the supervisee's caseload) and,
# under each case of the caseload, its note and one action (``notes.<case id>``,
# ``actions.<case id>`` and the date input ``action_due.<case id>``). The per-case answers of a
# case not ticked are kept as typed, and ignored.
SESSION_SINGLE = ("supervisee_id", "held_on-day", "held_on-month", "held_on-year")
_PER_CASE = re.compile(r"(?:notes|actions)\.[0-9a-f-]{36}|action_due\.[0-9a-f-]{36}-(?:day|month|year)")
# More than a session may discuss, so that the services still say what is wrong.
_MAX_CHOSEN = 200
_MAX_PER_CASE = 5 * _MAX_CHOSEN


def session_answers(form: Any) -> Answers:
    """What the session's form posted, as typed."""
    answers: Answers = {name: typed(form, name) for name in SESSION_SINGLE}
    answers["supervisee_id"] = answers["supervisee_id"][:40]
    answers["cases"] = list(dict.fromkeys(str(v)[:40] for v in form.getlist("cases")))[:_MAX_CHOSEN]
    per_case = [name for name in form if _PER_CASE.fullmatch(name)][:_MAX_PER_CASE]
    answers.update({name: typed(form, name) for name in per_case})
    return answers


def session_defaults(supervisee: str, today: date) -> Answers:
    """The form as first shown: the supervisee asked for (if any), held today."""
    return {"supervisee_id": supervisee[:40], "held_on-day": str(today.day),
            "held_on-month": str(today.month), "held_on-year": str(today.year), "cases": []}


def _id_or_none(text: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(text or "").strip())
    except ValueError:
        return None


def supervisee_of(answers: Mapping[str, Any]) -> uuid.UUID | None:
    return _id_or_none(answers.get("supervisee_id"))


def session_from_answers(answers: Mapping[str, Any]) -> tuple[SessionIn, list[str], Problems]:
    """The session the answers describe, the form's case of each discussion in order (the
    services key their problems by that order), and what could not be read. A case's action is
    read when either what is to be done or its due date is typed (the services ask for the other)."""
    problems: Problems = {}
    held_on, wrong = read_date(answers, "held_on", "The date of the session", required=True)
    if wrong:
        problems["held_on"] = wrong
    discussed: list[str] = list(answers.get("cases") or [])
    discussions = []
    for case in discussed:
        title = str(answers.get(f"actions.{case}") or "")
        due, wrong = read_date(answers, f"action_due.{case}", "The date the action is due")
        if wrong:
            problems[f"action_due.{case}"] = wrong
        typed = bool(title.strip()) or any(date_parts(answers, f"action_due.{case}"))
        discussions.append(DiscussionIn(_id_or_none(case), str(answers.get(f"notes.{case}") or ""),
                                        (ActionIn(title, due),) if typed else ()))
    return SessionIn(supervisee_of(answers), held_on, tuple(discussions)), discussed, problems


_DISCUSSION_FIELD = re.compile(r"discussions\.(\d+)\.(case_id|note|actions\.\d+\.title|actions\.\d+\.due)")
_FIELD_OF = {"case_id": "cases", "note": "notes.{}", "title": "actions.{}", "due": "action_due.{}"}


def session_problems(found: Mapping[str, str], answers: Mapping[str, Any], discussed: list[str]) -> Problems:
    """The services' problems under the form's field names: ``discussions.N.note`` is the note
    of the N-th case ticked; a choice not made is asked for in the page's words."""
    problems: Problems = {}
    for name, message in found.items():
        field = "cases" if name == "discussions" else name
        match = _DISCUSSION_FIELD.fullmatch(name)
        if match and int(match[1]) < len(discussed):
            field = _FIELD_OF[match[2].rsplit(".", 1)[-1]].format(discussed[int(match[1])])
        problems.setdefault(field, message)
    if "supervisee_id" in problems and not answers.get("supervisee_id"):
        problems["supervisee_id"] = "Choose who was supervised"
    return problems


def session_order(cases: Iterable[tuple[uuid.UUID, str]]) -> list[str]:
    """The session form's fields in page order, for the error summary."""
    per_case = ("notes", "actions", "action_due")
    return ["supervisee_id", "held_on", "cases",
            *(f"{field}.{case_id}" for case_id, _ref in cases for field in per_case)]


def session_dates(cases: Iterable[tuple[uuid.UUID, str]]) -> tuple[str, ...]:
    """The session form's date inputs: the error summary links to their day."""
    return ("held_on", *(f"action_due.{case_id}" for case_id, _ref in cases))
