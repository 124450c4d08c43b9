"""What the case pages' forms post, read into the case services' inputs, and their problems keyed
by the fields that hold them.

Nothing here touches the database or Flask's request: a form is a werkzeug ``MultiDict``. The
answers are kept as typed (strings; a list of strings for the partner agencies), so a page shown
again with problems loses nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from werkzeug.datastructures import MultiDict

from hub.cases import rules
from hub.cases.models import CaseKind
from hub.web.forms import read_date

Answers = dict[str, Any]
Problems = dict[str, str]
Form = MultiDict[str, str]

_MAX_NAME = 200

# The kinds of case, in plain English, with a hint saying when each is used.
KINDS: tuple[tuple[str, str, str], ...] = (
    (CaseKind.ADULT, "Adult safeguarding",
     "An adult with care and support needs who may be at risk of abuse or neglect (Care Act 2014 s42)."),
    (CaseKind.CHILD, "Child safeguarding",
     "A child who may be at risk of significant harm (Children Act 1989 s47)."),
    (CaseKind.MARAC, "MARAC referral",
     "A victim of domestic abuse at high risk, for the multi-agency risk assessment conference."),
    (CaseKind.MAPPA, "MAPPA",
     "A person managed under multi-agency public protection arrangements."),
)
KIND_WORDS = {str(value): text for value, text, _hint in KINDS}

# Page order of the new-case form's fields (the error summary follows it).
ORDER = ("kind", "name", "date_of_birth", "agencies")
DATE_FIELDS = ("date_of_birth",)


@dataclass(frozen=True)
class NewCase:
    kind: CaseKind
    name: str
    date_of_birth: date
    agencies: tuple[str, ...]


def new_case_answers(form: Form) -> Answers:
    """What the new-case form posted, as typed."""
    answers: Answers = {name: str(form.get(name) or "") for name in (
        "kind", "name", "date_of_birth-day", "date_of_birth-month", "date_of_birth-year")}
    answers["agencies"] = list(dict.fromkeys(str(v) for v in form.getlist("agencies") if v))
    return answers


def new_case_from_answers(answers: Mapping[str, Any], *, partners: set[str],
                          today: date) -> tuple[NewCase | None, Problems]:
    """The new case the answers describe, or the problems with them (page wording)."""
    problems: Problems = {}
    kind = answers.get("kind") or ""
    if kind not in KIND_WORDS:
        problems["kind"] = "Select the kind of case"
    name = str(answers.get("name") or "").strip()
    name_problem = rules.subject_name_problem(name)
    if name_problem:
        problems["name"] = name_problem
    elif len(name) > _MAX_NAME:
        problems["name"] = f"The subject's name must be {_MAX_NAME} characters or fewer"
    born, date_problem = read_date(answers, "date_of_birth", "The subject's date of birth",
                                  required=True)
    if born is not None:
        date_problem = rules.valid_date_of_birth(born, today)
    if date_problem:
        problems["date_of_birth"] = date_problem
    chosen = tuple(answers.get("agencies") or ())
    if any(code not in partners for code in chosen):
        problems["agencies"] = "Select partner agencies from the list"
    if problems or born is None:
        return None, problems
    return NewCase(CaseKind(kind), name, born, chosen), {}


def ordered(problems: Mapping[str, str], order: tuple[str, ...] = ORDER) -> list[tuple[str, str]]:
    """The problems in page order (any others after), for the error summary."""
    return [*((n, problems[n]) for n in order if n in problems),
            *((n, m) for n, m in problems.items() if n not in order)]


def service_field(name: str) -> str:
    """The form field that holds a problem the case services name (``subject.name`` etc.)."""
    return {"subject.name": "name", "subject.date_of_birth": "date_of_birth"}.get(name, name)
