"""What a review's rows say, read back: the bindings its texts are sealed under, a SAR's decision,
a CSPR's steps and clocks, the action plan, and the meetings and actions its findings concern.
Plain readers, without access checks or audit: the services call them once they have let the
caller see the review."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.agencies.models import Agency, User
from hub.cases.models import Case
from hub.config import Policy
from hub.crypto.envelope import Binding, Envelope
from learning import rules
from learning.models import Review, ReviewAction, ReviewActionChange, ReviewCaseAction, ReviewMeeting
from learning.rules import Clock, ReviewKind, SarReferral
from meetings.models import Meeting
from sharing.models import Action
from sharing.rules import ActionStatus


# A review's texts are the partnership's record, kept apart from any case's data keys: bound to
# the review alone (a case it concerns does not own them).
def binding(table: str, part: str, row_id: uuid.UUID) -> Binding:
    return Binding(table, part, str(row_id), None, 1)


def referral_of(row: Review, rationale: str) -> SarReferral:
    return SarReferral(row.sar_care_and_support_needs, row.sar_joint_working_concern, row.sar_harm,
                       row.sar_known_or_suspected, row.sar_decision, rationale, row.sar_decided_on)


def sar_of(db: Session, envelope: Envelope, row: Review) -> dict[str, Any] | None:
    """A SAR's criteria, decision and rationale as recorded (None for other kinds)."""
    if row.kind != ReviewKind.SAR:
        return None
    rationale = (envelope.decrypt_json(db, row.sar_rationale_ciphertext,
                                       binding("reviews", "sar_rationale", row.id))["rationale"]
                 if row.sar_rationale_ciphertext is not None else None)
    return {"care_and_support_needs": row.sar_care_and_support_needs,
            "joint_working_concern": row.sar_joint_working_concern, "harm": row.sar_harm,
            "known_or_suspected": row.sar_known_or_suspected, "decision": row.sar_decision,
            "decided_on": row.sar_decided_on, "rationale": rationale,
            "mandatory": rules.sar_mandatory(referral_of(row, rationale or "")) if row.sar_decision else None}


def cspr_of(row: Review) -> dict[str, date | None] | None:
    if row.kind != ReviewKind.CSPR:
        return None
    return {"aware_on": row.aware_on, "notified_on": row.notified_on, "rapid_review_on": row.rapid_review_on,
            "decided_on": row.decided_on, "published_on": row.published_on}


def clocks_of(row: Review, policy: Policy) -> list[Clock]:
    if row.kind != ReviewKind.CSPR or row.aware_on is None:
        return []
    return rules.cspr_clocks(aware_on=row.aware_on, notified_on=row.notified_on,
                             rapid_review_on=row.rapid_review_on, decided_on=row.decided_on,
                             published_on=row.published_on, policy=policy)


@dataclass(frozen=True)
class ActionChangeView:
    status: str
    changed_by: str | None
    changed_at: datetime
    note: str
    evidence: str


@dataclass(frozen=True)
class ReviewActionView:
    id: uuid.UUID
    review_id: uuid.UUID
    title: str
    agency: str
    agency_name: str
    owner_role: str
    due: date
    status: str
    overdue: bool
    history: tuple[ActionChangeView, ...]


def review_actions(db: Session, envelope: Envelope, row: Review, *, today: date) -> list[ReviewActionView]:
    """The review's action plan, soonest due first, each with its history."""
    actions = db.execute(select(ReviewAction, Agency.code, Agency.name)
                         .join(Agency, Agency.id == ReviewAction.agency_id)
                         .where(ReviewAction.review_id == row.id)
                         .order_by(ReviewAction.due, ReviewAction.created_at)).all()
    if not actions:
        return []
    changes = db.execute(select(ReviewActionChange, User.name)
                         .outerjoin(User, User.id == ReviewActionChange.changed_by_id)
                         .where(ReviewActionChange.action_id.in_([a.id for a, _, _ in actions]))
                         .order_by(ReviewActionChange.changed_at)).all()
    history: dict[uuid.UUID, list[ActionChangeView]] = {}
    for change, name in changes:
        texts = envelope.decrypt_json(db, change.texts_ciphertext,
                                      binding("review_action_changes", "texts", change.id))
        history.setdefault(change.action_id, []).append(
            ActionChangeView(change.status, name, change.changed_at, texts["note"], texts["evidence"]))
    return [action_view(db, envelope, action, code, name, history.get(action.id, []), today=today)
            for action, code, name in actions]


def action_view(db: Session, envelope: Envelope, action: ReviewAction, code: str, name: str,
                history: list[ActionChangeView], *, today: date) -> ReviewActionView:
    title = envelope.decrypt_json(db, action.title_ciphertext, binding("review_actions", "title", action.id))
    overdue = action.status == ActionStatus.OPEN and action.due < today
    return ReviewActionView(action.id, action.review_id, title["title"], code, name, action.owner_role,
                            action.due, action.status, overdue, tuple(history))


@dataclass(frozen=True)
class LinkedMeeting:
    """A meeting the findings concern: its kind and time, and the case it was linked through."""

    id: uuid.UUID
    case_ref: str
    kind: str
    status: str
    starts_at: datetime


@dataclass(frozen=True)
class LinkedAction:
    """An action on a case the findings concern: whose, when due and where it stands. What it is
    stays with the case (its page shows it to the case's members)."""

    id: uuid.UUID
    case_ref: str
    agency: str
    agency_name: str
    due: date
    status: str


def linked_meetings(db: Session, review_id: uuid.UUID) -> list[LinkedMeeting]:
    """The meetings the review's findings concern, in the order they were held."""
    return [LinkedMeeting(*row) for row in db.execute(
        select(Meeting.id, Case.ref, Meeting.kind, Meeting.status, Meeting.starts_at)
        .join(ReviewMeeting, ReviewMeeting.meeting_id == Meeting.id)
        .join(Case, Case.id == ReviewMeeting.case_id)
        .where(ReviewMeeting.review_id == review_id).order_by(Meeting.starts_at, Meeting.id))]


def linked_actions(db: Session, review_id: uuid.UUID) -> list[LinkedAction]:
    """The actions on its cases the review's findings concern, by due date."""
    return [LinkedAction(*row) for row in db.execute(
        select(Action.id, Case.ref, Agency.code, Agency.name, Action.due, Action.status)
        .join(ReviewCaseAction, ReviewCaseAction.action_id == Action.id)
        .join(Case, Case.id == Action.case_id).join(Agency, Agency.id == Action.agency_id)
        .where(ReviewCaseAction.review_id == review_id).order_by(Action.due, Action.id))]
