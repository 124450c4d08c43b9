"""What the page of a review's links posts (learning.link_views), read into the services' input:
the references typed, and the meetings and actions ticked. Pure functions, like learning.forms:
the answers are kept as typed, so a page shown again loses nothing."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from learning.forms import read_case_refs, typed
from learning.rules import MAX_LINKED, LinksIn

Answers = dict[str, Any]
Problems = dict[str, str]

ORDER = ("case_refs", "meetings", "actions")
_MAX_ID = 36


def link_answers(form: Any) -> Answers:
    """What the form posted, as typed (at most one more tick than may be linked)."""
    return {"case_refs": typed(form, "case_refs"),
            **{name: list(dict.fromkeys(str(v)[:_MAX_ID] for v in form.getlist(name)))[:MAX_LINKED + 1]
               for name in ("meetings", "actions")}}


def link_answers_of(refs: Iterable[str], meetings: Iterable[uuid.UUID],
                    actions: Iterable[uuid.UUID]) -> Answers:
    """The form as the links stand."""
    return {"case_refs": ", ".join(refs), "meetings": [str(m) for m in meetings],
            "actions": [str(a) for a in actions]}


def _ids(values: Iterable[str]) -> tuple[uuid.UUID, ...] | None:
    try:
        return tuple(uuid.UUID(value) for value in values)
    except ValueError:
        return None


def links_from_answers(answers: Mapping[str, Any]) -> tuple[LinksIn, Problems]:
    """The links the answers describe and what could not be read: references separated by
    commas or spaces, and ticks of meetings and actions offered."""
    problems: Problems = {}
    refs = read_case_refs(answers, problems)
    chosen: dict[str, tuple[uuid.UUID, ...]] = {}
    for name in ("meetings", "actions"):
        ids = _ids(answers.get(name) or [])
        if ids is None:
            problems[name] = f"Choose the {name} from the list"
        chosen[name] = ids or ()
    return LinksIn(case_refs=tuple(refs), meetings=chosen["meetings"], actions=chosen["actions"]), problems
