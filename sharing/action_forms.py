"""What the action pages' forms post, read into the action services' inputs, and their problems
keyed by the fields that hold them (DOMAIN.md §8).

Nothing here touches the database or Flask's request: a form is a werkzeug ``MultiDict``. The
answers are kept as typed, so a page shown again with problems loses nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from werkzeug.datastructures import MultiDict

from hub.text import CONTROL_PROBLEM, has_control_characters
from hub.web.forms import long_date as long_date  # the pages call forms.long_date
from hub.web.forms import read_date
from sharing.rules import ACTION_STATUS_LABELS, ActionStatus

Answers = dict[str, str]
Problems = dict[str, str]
Form = MultiDict[str, str]

# Page order of each form's fields (the error summary follows it).
NEW_ORDER = ("title", "agency", "assignee", "due")
STATUS_ORDER = ("status", "note", "evidence")
DATE_FIELDS = ("due",)
# Longer than anything the rules accept, so the rules still say what is wrong; anything beyond
# is cut before it is kept in the answers.
_MAX_TYPED = 20_000

STATUS_WORDS = {str(status): label for status, label in ACTION_STATUS_LABELS.items()}
STATUS_TAGS = {
    ActionStatus.OPEN: "govuk-tag--blue",
    ActionStatus.DONE: "govuk-tag--green",
    ActionStatus.NOT_POSSIBLE: "govuk-tag--grey",
    ActionStatus.NOT_DONE: "govuk-tag--orange",
}
STATUS_HINTS = {
    ActionStatus.OPEN: "Still to be done (for example, reopened after it was marked done)",
    ActionStatus.DONE: "Say what was done as evidence of completion",
    ActionStatus.NOT_POSSIBLE: "Circumstances changed so that it can no longer be done; say why",
    ActionStatus.NOT_DONE: "The agency has not done it; say why. This can start a professional challenge",
}

# The list of an agency's actions: which status, and which way the due dates run.
ALL_STATUSES = "all"
FILTERS: tuple[tuple[str, str], ...] = (
    (ALL_STATUSES, "Any status"), *((str(s), label) for s, label in ACTION_STATUS_LABELS.items()))
SORTS: tuple[tuple[str, str], ...] = (("due", "Soonest due first"), ("-due", "Latest due first"))
MAX_PAGE = 10_000
# Tabs and line breaks are text; other control characters are not (and PostgreSQL refuses NUL).


@dataclass(frozen=True)
class NewAction:
    title: str
    agency_code: str
    assignee_id: uuid.UUID | None
    due: date | None


@dataclass(frozen=True)
class ListQuery:
    status: str | None  # None: any status
    sort: str
    page: int


def _typed(form: Form, name: str) -> str:
    return str(form.get(name) or "")[:_MAX_TYPED]


def new_action_answers(form: Form) -> Answers:
    """What the new-action form posted, as typed."""
    return {name: _typed(form, name) for name in (
        "title", "agency", "assignee", "due-day", "due-month", "due-year")}


def new_action_from_answers(answers: Mapping[str, str], *, people: Mapping[str, str]
                            ) -> tuple[NewAction, Problems]:
    """The action the answers describe and what could not be read from them (the services judge
    the rest). ``people`` maps each person who may be chosen (their id) to their agency's code."""
    problems: Problems = control_problems(answers, ("title",))
    due, due_problem = read_date(answers, "due", "The date the action is due", required=True)
    if due_problem:
        problems["due"] = due_problem
    assignee_id = None
    chosen = answers.get("assignee", "").strip()
    agency = answers.get("agency", "").strip()
    if chosen:
        if chosen not in people:
            problems["assignee"] = "Choose a person from the list, or no one in particular"
        elif agency and people[chosen] != agency:
            problems["assignee"] = "Choose a person of the agency the action is for"
        else:
            assignee_id = uuid.UUID(chosen)
    if not agency:
        problems["agency"] = "Choose the agency the action is for"
    return NewAction(answers.get("title", ""), agency, assignee_id, due), problems


def status_answers(form: Form) -> Answers:
    """What the change-of-status form posted, as typed."""
    return {name: _typed(form, name) for name in ("status", "note", "evidence")}


def control_problems(answers: Mapping[str, str], names: tuple[str, ...]) -> Problems:
    """The typed texts that hold control characters, which no text of the hub may."""
    return {name: CONTROL_PROBLEM for name in names if has_control_characters(answers.get(name, ""))}


def status_choices(current: str) -> list[tuple[str, str, str]]:
    """The statuses an action may move to from ``current``: (value, label, hint)."""
    return [(str(s), label, STATUS_HINTS[s]) for s, label in ACTION_STATUS_LABELS.items()
            if s != current]


def read_list_query(args: Mapping[str, Any]) -> tuple[ListQuery, Answers, Problems]:
    """The filter of an agency's action list: its status (open by default), the order of due
    dates and the page, with what is wrong with any of them (the list is then not shown)."""
    answers = {"status": str(args.get("status") or "open")[:40], "sort": str(args.get("sort") or "due")[:10],
               "page": str(args.get("page") or "1")[:10]}
    problems: Problems = {}
    if answers["status"] not in {value for value, _ in FILTERS}:
        problems["status"] = "Choose a status from the list"
    if answers["sort"] not in {value for value, _ in SORTS}:
        problems["sort"] = "Choose soonest or latest due first"
    page = answers["page"].strip()
    if not page.isdigit() or not 1 <= int(page) <= MAX_PAGE:
        problems["page"] = f"The page must be a whole number from 1 to {MAX_PAGE:,}"
    status = None if answers["status"] == ALL_STATUSES else answers["status"]
    number = int(page) if "page" not in problems else 1
    return ListQuery(status, answers["sort"], number), answers, problems


def ordered(problems: Mapping[str, str], order: tuple[str, ...]) -> list[tuple[str, str]]:
    """The problems in page order (any others after), for the error summary."""
    return [*((n, problems[n]) for n in order if n in problems),
            *((n, m) for n, m in problems.items() if n not in order)]
