"""The pages of a meeting's minutes: reading them (the latest version the caller may read, and the
list of versions), writing a new version with its decisions and the actions agreed, and issuing it.

Every page goes through the minutes services, which keep drafts to the convening agency, issued
versions to everyone who sees the meeting (404 for anyone else), and audit each read. A form that
breaks a rule is shown again, 422, with the GOV.UK error summary and what was typed.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from flask import Blueprint, Response, request
from flask.typing import ResponseReturnValue

from hub import context
from hub.access import Permission, requires
from hub.errors import NotFound, ValidationFailed
from hub.web.forms import read_date
from hub.web.pages import page, see_other
from meetings.rules import MAX_DECISIONS, DecisionIn, MinutesIn, minutes_problems
from meetings.services.carried import unmarked_count
from meetings.services.meetings import (
    MeetingView,
    agencies_of,
    get_meeting,
    keeps_the_meeting,
    organised,
    seen,
)
from meetings.services.minutes import (
    ActionIn,
    MinutesView,
    issue_minutes,
    list_minutes,
    read_minutes,
    write_minutes,
)

minutes_pages = Blueprint("meetings_minutes", __name__)

ACTION_SLOTS = 3
_DONE = {"saved": "The minutes have been saved as a draft: issue them when they are agreed",
         "issued": "The minutes have been issued to the people invited"}


def _meeting(meeting_id: uuid.UUID) -> MeetingView:
    state = context.state()
    return get_meeting(context.db(), context.actor(), meeting_id, envelope=state.envelope,
                       policy=state.settings.policy, now=context.now())


@minutes_pages.get("/meetings/<uuid:meeting_id>/minutes")
@requires(Permission.MEETING_READ)
def minutes_page(meeting_id: uuid.UUID) -> ResponseReturnValue:
    meeting = _meeting(meeting_id)
    db, actor, now = context.db(), context.actor(), context.now()
    versions = list_minutes(db, actor, meeting_id, now=now)
    wanted = request.args.get("version", "")
    shown: MinutesView | None = None
    if versions:
        version = int(wanted) if wanted.isdigit() and len(wanted) < 6 else None
        try:
            shown = read_minutes(db, actor, meeting_id, version, envelope=context.state().envelope, now=now)
        except NotFound:
            shown = None
    chair = keeps_the_meeting(context.actor(), meeting)
    policy = context.state().settings.policy
    unmarked = unmarked_count(db, seen(db, actor, meeting_id), policy) if chair else 0
    return page("meetings/minutes.html", meeting=meeting, versions=versions, shown=shown,
                chair=chair, unmarked=unmarked, today=context.today(),
                done=_DONE.get(request.args.get("done") or ""))


def _anchor(name: str) -> str:
    """The id of the field an error names: `decisions.2.rationale` is `rationale-2`."""
    parts = name.split(".")
    if len(parts) == 3:
        prefix = "action-" if parts[0] == "actions" else ""
        field = {"case_id": "case", "due": "due-day"}.get(parts[2], parts[2])
        return f"{prefix}{field}-{parts[1]}"
    return name


def _form(meeting: MeetingView, answers: Mapping[str, str], errors: Mapping[str, str], *, slots: int,
          status: int = 200) -> Response:
    db, actor = context.db(), context.actor()
    agencies = sorted(agencies_of(db, organised(db, actor, meeting.id)))
    return page("meetings/minutes_form.html", status, meeting=meeting, answers=answers, errors=errors,
                error_list=list(errors.items()), anchor=_anchor, slots=slots, action_slots=ACTION_SLOTS,
                case_options=[("", "Choose a case")] + [(str(i), ref) for i, ref in meeting.cases],
                agency_options=[("", "Choose an agency")] + [(code, code) for code in agencies])


@minutes_pages.get("/meetings/<uuid:meeting_id>/minutes/new")
@requires(Permission.MEETING_CONVENE)
def new_minutes(meeting_id: uuid.UUID) -> ResponseReturnValue:
    meeting = _meeting(meeting_id)
    db, actor = context.db(), context.actor()
    organised(db, actor, meeting_id)  # the chair's agency only: 403 for another
    answers: dict[str, str] = {}
    if list_minutes(db, actor, meeting_id, now=context.now()):
        latest = read_minutes(db, actor, meeting_id, None, envelope=context.state().envelope,
                              now=context.now())
        answers["summary"] = latest.summary
        for n, d in enumerate(latest.decisions, start=1):
            answers |= {f"decision-{n}": d.decision, f"rationale-{n}": d.rationale, f"dissent-{n}": d.dissent}
    slots = min(MAX_DECISIONS, sum(1 for k in answers if k.startswith("decision-")) + 1)
    return _form(meeting, answers, {}, slots=slots)


def _read_form(form: Mapping[str, str], slots: int) -> tuple[
        dict[str, str], MinutesIn, list[ActionIn], tuple[dict[int, int], dict[int, int]], dict[str, str]]:
    """What was typed; the minutes; the actions filled in; the form's slot of each action and
    decision (errors are keyed by slot, as the page numbers them); what is wrong with the form."""
    names = ["summary",
             *(f"{f}-{n}" for n in range(1, slots + 1) for f in ("decision", "rationale", "dissent")),
             *(f"action-{f}-{n}" for n in range(1, ACTION_SLOTS + 1) for f in ("case", "title", "agency")),
             *(f"action-due-{n}-{p}" for n in range(1, ACTION_SLOTS + 1) for p in ("day", "month", "year"))]
    answers = {name: (form.get(name) or "").strip()[:10_000] for name in names}
    filled = [n for n in range(1, slots + 1)
              if answers[f"decision-{n}"] or answers[f"rationale-{n}"] or answers[f"dissent-{n}"]]
    decisions = tuple(DecisionIn(answers[f"decision-{n}"], answers[f"rationale-{n}"], answers[f"dissent-{n}"])
                      for n in filled)
    problems: dict[str, str] = {}
    actions: list[ActionIn] = []
    slot_of: dict[int, int] = {}
    for n in range(1, ACTION_SLOTS + 1):
        case, title, agency = (answers[f"action-{f}-{n}"] for f in ("case", "title", "agency"))
        due, wrong = read_date(answers, f"action-due-{n}", "The date the action is due")
        if not (case or title or agency or due or wrong):
            continue
        if wrong:
            problems[f"actions.{n}.due"] = wrong
        try:
            case_id = uuid.UUID(case)
        except ValueError:
            problems[f"actions.{n}.case_id"] = "Choose one of the meeting's cases"
            continue
        actions.append(ActionIn(case_id, title, agency, due))
        slot_of[len(actions)] = n
    minutes = MinutesIn(answers["summary"], decisions)
    if problems:  # the minutes' own problems too, all at once
        problems |= _by_slot(minutes_problems(minutes), {}, dict(enumerate(filled, start=1)))
    return answers, minutes, actions, (slot_of, dict(enumerate(filled, start=1))), problems


def _by_slot(errors: Mapping[str, str], action_slots: Mapping[int, int],
             decision_slots: Mapping[int, int]) -> dict[str, str]:
    """The service's errors, with an action's or a decision's number turned into its slot on
    the form (empty slots are skipped when the form is read)."""
    found = {}
    for name, message in errors.items():
        parts = name.split(".")
        slots = {"actions": action_slots, "decisions": decision_slots}.get(parts[0])
        if slots is not None and len(parts) == 3 and parts[1].isdigit():
            name = f"{parts[0]}.{slots.get(int(parts[1]), int(parts[1]))}.{parts[2]}"
        found[name] = message
    return found


@minutes_pages.post("/meetings/<uuid:meeting_id>/minutes/new")
@requires(Permission.MEETING_CONVENE)
def save_minutes(meeting_id: uuid.UUID) -> ResponseReturnValue:
    meeting = _meeting(meeting_id)
    slots_asked = request.form.get("slots", "1")
    asked = int(slots_asked) if slots_asked.isdigit() and len(slots_asked) < 4 else 1
    slots = max(1, min(MAX_DECISIONS, asked))
    answers, minutes, actions, (action_slots, decision_slots), problems = _read_form(request.form, slots)
    if "add_decision" in request.form:  # another decision's fields; nothing is saved yet
        organised(context.db(), context.actor(), meeting_id)
        return _form(meeting, answers, {}, slots=min(MAX_DECISIONS, slots + 1))
    if not problems:
        try:
            write_minutes(context.db(), context.actor(), meeting_id, minutes, actions=tuple(actions),
                          envelope=context.state().envelope, now=context.now(), today=context.today())
        except ValidationFailed as failed:
            problems = _by_slot(failed.errors, action_slots, decision_slots)
        else:
            return see_other("meetings_minutes.minutes_page", meeting_id=meeting_id, done="saved")
    return _form(meeting, answers, problems, slots=slots, status=422)


@minutes_pages.post("/meetings/<uuid:meeting_id>/minutes/issue")
@requires(Permission.MEETING_CONVENE)
def issue_minutes_page(meeting_id: uuid.UUID) -> ResponseReturnValue:
    issue_minutes(context.db(), context.actor(), meeting_id, envelope=context.state().envelope,
                  policy=context.state().settings.policy, now=context.now())
    return see_other("meetings_minutes.minutes_page", meeting_id=meeting_id, done="issued")
