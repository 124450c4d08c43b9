"""The access policy as a matrix: every registered route x every role x every agency relation.

The expected answers are written out below as a table, by hand, from DESIGN.md invariant 2; they are
deliberately NOT computed by calling ``hub.access``. A route that exists in the application but not
in the table fails the run, so nobody can add an endpoint without deciding who may call it.
The roles are hub.agencies.models.Role: a new role fails the run until the table says what it gets.

Every refusal must leave every table as it was (a snapshot of every row, before and after) and,
for a signed-in caller, be audited as `access.denied`; a case-scoped refusal names the case.
One identity provider is configured (a real one on loopback), so the /auth/* rows sign in for real.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from concerns.rules import ConcernIn, ObservationIn
from concerns.services import concerns as concern_services
from concerns.services import observations as observation_services
from hub.access import declared_permission
from hub.actor import Actor
from hub.agencies.models import Agency, Role
from hub.app import create_app
from hub.cases import services as case_services
from hub.cases.models import Case
from hub.config import Policy, ProviderConfig, Settings
from hub.crypto.envelope import Envelope
from hub.crypto.keyring import Keyring
from hub.db import Database, utcnow
from hub.security import CSRF_HEADER
from hub.sessions.ratelimit import RATE_LIMIT_ATTR
from learning.rules import ReviewIn, StructuredReviewIn, TimelineEntry
from learning.services import actions as review_actions
from learning.services import reviews as review_services
from meetings.rules import MeetingIn, MinutesIn
from meetings.services import meetings as meeting_services
from meetings.services import minutes as minutes_services
from sharing.rules import RiskSummaryIn
from sharing.services import actions as action_services
from sharing.services import challenges as challenge_services
from sharing.services import risk_summaries as risk_services
from tests.conftest import Factory, app_for, settings_for
from tests.sessions.support import sign_in
from tests.support.factories.consent import ConsentFactory
from tests.support.idp import HandRolledProvider, free_port
from tests.support.snapshot import ATTEMPT_COUNTERS, assert_nothing_written, take_snapshot

ROLES = tuple(Role)
ANONYMOUS = "anonymous"
PROVIDER = "police"
PROVIDER_SECRET = "matrix-client-secret-0123456789-abcdefghij"

LEAD_MEMBER = "lead member"
MEMBER = "member"
NON_MEMBER = "non-member"
REMOVED = "removed member"
RELATIONS = (LEAD_MEMBER, MEMBER, NON_MEMBER, REMOVED)

SIGN_IN_REDIRECT = 302  # web pages send an anonymous visitor to /sign-in
SUBJECT_NAME = "Morgan Matrixperson"

Statuses = int | dict[str, int]


# --- shorthands for rows of the table (plain data, no policy logic) -------------------------------

def members_see(ok: int) -> dict[str, int]:
    """Current members get ``ok``; everyone else is told the case does not exist."""
    return {LEAD_MEMBER: ok, MEMBER: ok, NON_MEMBER: 404, REMOVED: 404}


def lead_agency_only(ok: int) -> dict[str, int]:
    """The lead agency gets ``ok``; other members 403; non-members and removed members 404."""
    return {LEAD_MEMBER: ok, MEMBER: 403, NON_MEMBER: 404, REMOVED: 404}


@dataclass(frozen=True)
class World:
    """One case led by ``lead``; ``member`` is a member, ``removed`` was removed, ``outsider`` never
    joined. Membership changes admit the outsider and remove the member. ``issuer`` is the
    configured provider's."""

    case: Case
    lead: Agency
    member: Agency
    removed: Agency
    outsider: Agency
    issuer: str
    # The lead agency's consent record and its decision to share with the outsider (made without
    # consent, so it awaits the lead agency's IG review), and the agreement among the members.
    consent_id: uuid.UUID
    decision_id: uuid.UUID
    agreement_id: uuid.UUID
    # Version 1 of the case's risk summary, written by the lead agency.
    risk_version: int
    # An action the lead agency set for the member agency, which the lead agency has challenged,
    # and a second one nobody has challenged.
    action_id: uuid.UUID
    challenge_id: uuid.UUID
    unchallenged_action_id: uuid.UUID
    # A strategy meeting the lead agency convened about the case, inviting nobody, three days on;
    # its minutes (version 1) written and issued as though it had been held.
    meeting_id: uuid.UUID
    # A concern a practitioner of the lead agency raised about the case, awaiting triage; and an
    # alert its observation raised (daily observation agreed by the lead agency only).
    concern_id: uuid.UUID
    alert_id: uuid.UUID
    # The person of the lead agency who made all of the above (a supervisee of its managers).
    creator_id: uuid.UUID
    # A near miss the creator raised about the case, involving the member agency, reviewed by a
    # lead of the lead agency, with one action of its plan for the lead agency's managers.
    review_id: uuid.UUID
    review_action_id: uuid.UUID

    def agency_for(self, relation: str) -> Agency:
        return {LEAD_MEMBER: self.lead, MEMBER: self.member, NON_MEMBER: self.outsider,
                REMOVED: self.removed}[relation]


@dataclass(frozen=True)
class Route:
    """How to call one route, and the status each role (by agency relation) must get."""

    statuses: dict[str, Statuses]
    path_values: Callable[[World], dict[str, Any]] = lambda w: {}
    query: Callable[[World], dict[str, str]] = lambda w: {}
    body: Callable[[World], dict[str, Any]] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    form: dict[str, str] | None = None
    # Where a 302 must point, by credential ("bearer", "session"; "none" for anonymous visitors,
    # whom pages that need sign-in send to /sign-in).
    redirect_to: Callable[[World, str], str] = lambda w, credential: "/sign-in"
    # The audit event a refusal of a signed-in caller writes (invariant 5).
    refusal_audit: str = "access.denied"

    def expected(self, role: str, relation: str) -> int:
        status = self.statuses[role]
        return status if isinstance(status, int) else status[relation]

    def refused_by_membership(self, role: str, relation: str) -> bool:
        """The caller's role may use the route, but its agency is not a current member of the case
        (a member's 404 is of something else: an object the route names that is not there)."""
        return (not isinstance(self.statuses[role], int) and relation in (NON_MEMBER, REMOVED)
                and self.expected(role, relation) == 404)


def everyone(status: int, anonymous: int) -> dict[str, Statuses]:
    return {**dict.fromkeys(ROLES, status), ANONYMOUS: anonymous}


def case_id(w: World) -> dict[str, Any]:
    return {"case_id": w.case.id}


def signed_out(w: World, credential: str) -> str:
    return {"session": f"{w.issuer}/logout?", "bearer": "/signed-out"}.get(credential, "/sign-in")


NEW_CASE = {"kind": "adult", "subject": {"name": "Jo Newcase", "date_of_birth": "1975-04-01"},
            "agencies": []}
# consent (consent/api.py): valid bodies; a decision by any of the world's (police) agencies.
API_CONSENT = {"given_by": "self", "consent_type": "explicit", "purposes": ["direct_care"],
               "agencies": ["Northshire Health Trust"], "information_given": "Who, what and why",
               "method": "written", "obtained_at": "2026-01-05T10:00:00+00:00"}
API_DECISION = {
    "subject_category": "adult_at_risk", "direction": "proactive", "purpose": "safeguard_adult_at_risk",
    "regime": "uk_gdpr", "art6_basis": "public_task", "special_category": False, "confidential": True,
    "consent_status": "not_sought", "no_consent_reason": "would_prejudice_protection",
    "public_interest_rationale": "Serious harm outweighs confidence", "subject_informed": True,
    "outcome": "share_full", "rationale": "To protect an adult at risk", "items_shared": ["Risk summary"],
}
API_RISK_SUMMARY = {"level": "medium", "content": {
    "early_warning_signs": "Stops answering the door", "contacts": [
        {"stage": 1, "name": "Duty desk", "role": "Community team", "route": "01632 960000"}]}}
API_AGREEMENT = {"title": "Matrix agreement", "purposes": ["safeguard_adult_at_risk"],
                 "case_kinds": ["adult"], "art6_basis": "public_task", "review_date": "2099-01-01"}

# consent (consent/views.py): a valid consent form; the guided form's drafts are their author's.
PAGE_CONSENT = {"given_by": "self", "consent_type": "explicit", "purposes": "direct_care",
                "other_agencies": "Northshire Health Trust", "information_given": "Who, what and why",
                "method": "written", "obtained_at-day": "5", "obtained_at-month": "1",
                "obtained_at-year": "2026", "obtained_at-time": "10:00"}


def someone_elses_draft(w: World) -> dict[str, Any]:
    return {"case_id": w.case.id, "draft_id": uuid.uuid5(w.case.id, "draft"), "slug": "purpose"}

# consent (consent/admin_views.py)
PAGE_AGREEMENT = {"title": "Matrix agreement", "parties": "NOPE-01", "purposes": "marac",
                  "case_kinds": "marac", "art6_basis": "public_task", "review_date-day": "1",
                  "review_date-month": "1", "review_date-year": "2099"}
REPORT_READERS: dict[str, Statuses] = {
    "practitioner": 403, "manager": 200, "lead": 200, "ig": 200, "admin": 403, "auditor": 200,
    ANONYMOUS: SIGN_IN_REDIRECT}


def other_agencies(ok: int) -> dict[str, int]:
    """Of the member agency's own action: the lead agency gets ``ok``, the member 422."""
    return {LEAD_MEMBER: ok, MEMBER: 422, NON_MEMBER: 404, REMOVED: 404}


def page_readers(ok: int) -> dict[str, Statuses]:
    """A case page every case-working role and IG may read, as members."""
    return {**dict.fromkeys(("practitioner", "manager", "lead", "ig"), members_see(ok)),
            "admin": 404, "auditor": 404, ANONYMOUS: SIGN_IN_REDIRECT}


def page_writers(ok: int) -> dict[str, Statuses]:
    """A case page the case-working roles may use to write, as members (IG reads only)."""
    return {**page_readers(ok), "ig": 404}


def case_workers(status: Statuses) -> dict[str, Statuses]:
    """The case-working roles (practitioner, manager, lead) all get ``status``."""
    return dict.fromkeys(("practitioner", "manager", "lead"), status)


def lead_agency_only_sees(ok: int) -> dict[str, int]:
    """Something of the lead agency's own (a concern, an alert): everyone else is told 404."""
    return {LEAD_MEMBER: ok, MEMBER: 404, NON_MEMBER: 404, REMOVED: 404}


PAGE_CONCERN = {"name": "Jo Newcase", "date_of_birth-day": "1", "date_of_birth-month": "4",
                "date_of_birth-year": "1975", "categories_adult": "neglect_omission",
                "account": "Not eating", "immediate_risk": "no", "person_aware": "yes",
                "consent_status": "obtained"}
SUPERVISEE_OF_LEAD_AGENCY = {LEAD_MEMBER: 201, MEMBER: 422, NON_MEMBER: 422, REMOVED: 422}
# concerns (concerns/api.py): a new person, so any agency may raise it.
API_CONCERN = {"subject": {"name": "Jo Newcase", "date_of_birth": "1975-04-01"},
               "categories": ["neglect_omission"], "account": "Not eating", "immediate_risk": False,
               "person_aware": True, "consent_status": "obtained"}


# learning (learning/api.py)
API_NEAR_MISS = {"kind": "near_miss", "summary": "Wrong address on a referral",
                 "account": "Caught before it was sent", "occurred_on": "2026-01-05"}
API_STRUCTURED_REVIEW = {"timeline": [{"on": "2026-01-05", "what": "Referral drafted"}],
                         "factors": ["record_keeping"], "tags": ["referrals"], "findings": "A typo"}
API_SAR_DECISION = {"care_and_support_needs": True, "joint_working_concern": True, "harm": "died",
                    "known_or_suspected": True, "decision": "review", "rationale": "Mandatory",
                    "decided_on": "2026-01-06"}


def review_id(w: World) -> dict[str, Any]:
    return {"review_id": w.review_id}


def reviewers(ok: int) -> dict[str, int]:
    """The leads and managers of the agencies a review involves (the world's lead and member)."""
    return {LEAD_MEMBER: ok, MEMBER: ok, NON_MEMBER: 404, REMOVED: 404}


def reviewers_only(ok: int) -> dict[str, Statuses]:
    """A review's leads and managers get ``ok``; a practitioner is refused the route (403)."""
    return {"practitioner": 403, "manager": reviewers(ok), "lead": reviewers(ok), "ig": 403, "admin": 403,
            "auditor": 403, ANONYMOUS: 401}


def administrators_only(ok: int) -> dict[str, Statuses]:
    return {**dict.fromkeys(ROLES, 403), "admin": ok, ANONYMOUS: SIGN_IN_REDIRECT}


# The table. To add a route: add one entry keyed by (METHOD, rule exactly as Flask prints it),
# giving every role a status (an int, or one per agency relation), and a valid body if it takes one.
EXPECTED: dict[tuple[str, str], Route] = {
    # --- public ---
    ("GET", "/healthz"): Route(everyone(200, anonymous=200)),
    ("GET", "/sign-in"): Route(everyone(200, anonymous=200)),
    ("GET", "/static/<path:filename>"): Route(everyone(200, anonymous=200),
                                              path_values=lambda w: {"filename": "hub.css"}),
    ("GET", "/api/v1/openapi.json"): Route(everyone(200, anonymous=200)),
    # --- sign-in, with the provider `police` configured and answering on loopback (the whole
    #     flows are tested in tests/signin) ---
    # Anyone may start signing in: off to the provider's authorization endpoint.
    ("GET", "/auth/<name>/login"): Route(everyone(302, anonymous=302),
                                         path_values=lambda w: {"name": PROVIDER},
                                         redirect_to=lambda w, credential: f"{w.issuer}/authorize?"),
    # A callback whose state this browser never started is refused, and audited as such.
    ("GET", "/auth/<name>/callback"): Route(everyone(400, anonymous=400),
                                            path_values=lambda w: {"name": PROVIDER},
                                            query=lambda w: {"state": "s", "code": "c"},
                                            refusal_audit="signin.failure"),
    # The provider's call: a token that is not a signed JWT is refused, and audited.
    ("POST", "/auth/<name>/backchannel-logout"): Route(everyone(400, anonymous=400),
                                                       path_values=lambda w: {"name": PROVIDER},
                                                       form={"logout_token": "x.y.z"},
                                                       refusal_audit="signin.backchannel_logout"),
    ("GET", "/signed-out"): Route(everyone(200, anonymous=200)),
    # A browser session signed in through `police` is ended there too (its end-session endpoint);
    # a bearer token has no browser session to end, so signing out just lands on /signed-out.
    ("POST", "/sign-out"): Route(everyone(302, anonymous=SIGN_IN_REDIRECT), redirect_to=signed_out),
    # --- web pages ---
    ("GET", "/"): Route(everyone(200, anonymous=SIGN_IN_REDIRECT)),
    ("GET", "/cases/<uuid:case_id>"): Route({
        "practitioner": members_see(200), "manager": members_see(200), "lead": members_see(200),
        "ig": members_see(200), "admin": 404, "auditor": 404, ANONYMOUS: SIGN_IN_REDIRECT,
    }, path_values=case_id),
    # --- case pages (hub/cases/views.py) ---
    # Opening a case: the roles that may create cases, whatever their agency (the form names no
    # partner, so no agreement is needed); the form goes to check-your-answers (200), then opens.
    ("GET", "/cases/new"): Route({
        "practitioner": 200, "manager": 200, "lead": 200, "ig": 403, "admin": 403, "auditor": 403,
        ANONYMOUS: SIGN_IN_REDIRECT}),
    ("POST", "/cases/new"): Route({
        "practitioner": 200, "manager": 200, "lead": 200, "ig": 403, "admin": 403, "auditor": 403,
        ANONYMOUS: SIGN_IN_REDIRECT}, form={"kind": "adult", "name": "Jo Newcase",
                                            "date_of_birth-day": "1", "date_of_birth-month": "4",
                                            "date_of_birth-year": "1975"}),
    ("POST", "/cases"): Route({
        "practitioner": 303, "manager": 303, "lead": 303, "ig": 403, "admin": 403, "auditor": 403,
        ANONYMOUS: SIGN_IN_REDIRECT}, form={"kind": "adult", "name": "Jo Newcase",
                                            "date_of_birth-day": "1", "date_of_birth-month": "4",
                                            "date_of_birth-year": "1975"}),
    # Members: the lead agency only, as in the API; IG, admin and auditor are refused before the
    # case is looked up. The static form names an agency that does not exist, so the lead agency
    # is shown the form again (422); tests/cases/test_case_pages.py adds real ones.
    ("GET", "/cases/<uuid:case_id>/members/new"): Route({
        "practitioner": lead_agency_only(200), "manager": lead_agency_only(200),
        "lead": lead_agency_only(200), "ig": 404, "admin": 404, "auditor": 404,
        ANONYMOUS: SIGN_IN_REDIRECT}, path_values=case_id),
    ("POST", "/cases/<uuid:case_id>/members"): Route({
        "practitioner": lead_agency_only(422), "manager": lead_agency_only(422),
        "lead": lead_agency_only(422), "ig": 404, "admin": 404, "auditor": 404,
        ANONYMOUS: SIGN_IN_REDIRECT}, path_values=case_id, form={"agency": "NOPE-01"}),
    ("GET", "/cases/<uuid:case_id>/members/<code>/remove"): Route({
        "practitioner": lead_agency_only(200), "manager": lead_agency_only(200),
        "lead": lead_agency_only(200), "ig": 404, "admin": 404, "auditor": 404,
        ANONYMOUS: SIGN_IN_REDIRECT}, path_values=lambda w: {"case_id": w.case.id, "code": w.member.code}),
    ("POST", "/cases/<uuid:case_id>/members/<code>/remove"): Route({
        "practitioner": lead_agency_only(303), "manager": lead_agency_only(303),
        "lead": lead_agency_only(303), "ig": 404, "admin": 404, "auditor": 404,
        ANONYMOUS: SIGN_IN_REDIRECT}, path_values=lambda w: {"case_id": w.case.id, "code": w.member.code},
        form={}),
    # --- API: about me ---
    ("GET", "/api/v1/me"): Route(everyone(200, anonymous=401)),
    # --- API: cases ---
    ("GET", "/api/v1/cases"): Route({
        "practitioner": 200, "manager": 200, "lead": 200, "ig": 200,
        "admin": 403, "auditor": 403, ANONYMOUS: 401,
    }),
    ("POST", "/api/v1/cases"): Route({
        "practitioner": 201, "manager": 201, "lead": 201, "ig": 403,
        "admin": 403, "auditor": 403, ANONYMOUS: 401,
    }, body=lambda w: NEW_CASE),
    ("GET", "/api/v1/cases/<uuid:case_id>"): Route({
        "practitioner": members_see(200), "manager": members_see(200), "lead": members_see(200),
        "ig": members_see(200), "admin": 404, "auditor": 404, ANONYMOUS: 401,
    }, path_values=case_id),
    ("POST", "/api/v1/cases/<uuid:case_id>/members"): Route({
        "practitioner": lead_agency_only(201), "manager": lead_agency_only(201),
        "lead": lead_agency_only(201),
        # IG may read a case but never changes who shares it; like admin and auditor it is
        # refused before the case is looked up, so the answer does not depend on membership.
        "ig": 404, "admin": 404, "auditor": 404, ANONYMOUS: 401,
    }, path_values=case_id, body=lambda w: {"agency": w.outsider.code}),
    ("DELETE", "/api/v1/cases/<uuid:case_id>/members/<code>"): Route({
        "practitioner": lead_agency_only(200), "manager": lead_agency_only(200),
        "lead": lead_agency_only(200), "ig": 404, "admin": 404, "auditor": 404, ANONYMOUS: 401,
    }, path_values=lambda w: {"case_id": w.case.id, "code": w.member.code}),
    # --- API: audit trail ---
    ("GET", "/api/v1/audit"): Route({
        "practitioner": 403, "manager": 403, "lead": members_see(200), "ig": members_see(200),
        "admin": 403, "auditor": 200, ANONYMOUS: 401,
    }, query=lambda w: {"case": str(w.case.id)}),
    # --- consent: API (consent/api.py) ---
    # Case content: members read and record; IG reads but never records (refused before the case
    # is looked up, like admin and auditor, who hold no case-content permission at all).
    ("POST", "/api/v1/cases/<uuid:case_id>/consents"): Route({
        "practitioner": members_see(201), "manager": members_see(201), "lead": members_see(201),
        "ig": 404, "admin": 404, "auditor": 404, ANONYMOUS: 401,
    }, path_values=case_id, body=lambda w: API_CONSENT),
    ("GET", "/api/v1/cases/<uuid:case_id>/consents"): Route({
        "practitioner": members_see(200), "manager": members_see(200), "lead": members_see(200),
        "ig": members_see(200), "admin": 404, "auditor": 404, ANONYMOUS: 401,
    }, path_values=case_id),
    ("POST", "/api/v1/cases/<uuid:case_id>/consents/<uuid:consent_id>/withdraw"): Route({
        "practitioner": members_see(200), "manager": members_see(200), "lead": members_see(200),
        "ig": 404, "admin": 404, "auditor": 404, ANONYMOUS: 401,
    }, path_values=lambda w: {"case_id": w.case.id, "consent_id": w.consent_id},
        body=lambda w: {"channel": "written"}),
    ("POST", "/api/v1/cases/<uuid:case_id>/disclosures"): Route({
        "practitioner": members_see(201), "manager": members_see(201), "lead": members_see(201),
        "ig": 404, "admin": 404, "auditor": 404, ANONYMOUS: 401,
    }, path_values=case_id, body=lambda w: {**API_DECISION, "recipients": [w.outsider.code]}),
    ("GET", "/api/v1/cases/<uuid:case_id>/disclosures"): Route({
        "practitioner": members_see(200), "manager": members_see(200), "lead": members_see(200),
        "ig": members_see(200), "admin": 404, "auditor": 404, ANONYMOUS: 401,
    }, path_values=case_id),
    ("GET", "/api/v1/cases/<uuid:case_id>/disclosures/<uuid:decision_id>"): Route({
        "practitioner": members_see(200), "manager": members_see(200), "lead": members_see(200),
        "ig": members_see(200), "admin": 404, "auditor": 404, ANONYMOUS: 401,
    }, path_values=lambda w: {"case_id": w.case.id, "decision_id": w.decision_id}),
    # sharing (sharing/api.py): a case's risk summary, written and read by its members; IG reads.
    ("POST", "/api/v1/cases/<uuid:case_id>/risk-summaries"): Route({
        "practitioner": members_see(201), "manager": members_see(201), "lead": members_see(201),
        "ig": 404, "admin": 404, "auditor": 404, ANONYMOUS: 401,
    }, path_values=case_id, body=lambda w: API_RISK_SUMMARY),
    ("GET", "/api/v1/cases/<uuid:case_id>/risk-summaries"): Route({
        "practitioner": members_see(200), "manager": members_see(200), "lead": members_see(200),
        "ig": members_see(200), "admin": 404, "auditor": 404, ANONYMOUS: 401,
    }, path_values=case_id),
    ("GET", "/api/v1/cases/<uuid:case_id>/risk-summaries/latest"): Route({
        "practitioner": members_see(200), "manager": members_see(200), "lead": members_see(200),
        "ig": members_see(200), "admin": 404, "auditor": 404, ANONYMOUS: 401,
    }, path_values=case_id),
    ("GET", "/api/v1/cases/<uuid:case_id>/risk-summaries/<int:version>"): Route({
        "practitioner": members_see(200), "manager": members_see(200), "lead": members_see(200),
        "ig": members_see(200), "admin": 404, "auditor": 404, ANONYMOUS: 401,
    }, path_values=lambda w: {"case_id": w.case.id, "version": w.risk_version}),
    # Actions: set by members for members; the status is the assigned (member) or lead agency's.
    ("POST", "/api/v1/cases/<uuid:case_id>/actions"): Route({
        "practitioner": members_see(201), "manager": members_see(201), "lead": members_see(201),
        "ig": 404, "admin": 404, "auditor": 404, ANONYMOUS: 401,
    }, path_values=case_id, body=lambda w: {"title": "Visit", "agency": w.member.code,
                                           "due": "2099-01-01"}),
    ("GET", "/api/v1/cases/<uuid:case_id>/actions"): Route({
        "practitioner": members_see(200), "manager": members_see(200), "lead": members_see(200),
        "ig": members_see(200), "admin": 404, "auditor": 404, ANONYMOUS: 401,
    }, path_values=case_id),
    ("GET", "/api/v1/actions"): Route({
        **dict.fromkeys(ROLES, 403), "practitioner": 200, "manager": 200, "lead": 200,
        ANONYMOUS: 401}),
    ("GET", "/api/v1/actions/<uuid:action_id>"): Route({
        "practitioner": members_see(200), "manager": members_see(200), "lead": members_see(200),
        "ig": members_see(200), "admin": 404, "auditor": 404, ANONYMOUS: 401,
    }, path_values=lambda w: {"action_id": w.action_id}),
    ("PATCH", "/api/v1/actions/<uuid:action_id>"): Route({
        "practitioner": members_see(200), "manager": members_see(200), "lead": members_see(200),
        "ig": 404, "admin": 404, "auditor": 404, ANONYMOUS: 401,
    }, path_values=lambda w: {"action_id": w.action_id},
        body=lambda w: {"status": "done", "evidence": "Visited as agreed"}),
    # Professional challenge: of another agency's action (the member's own action is 422 for it);
    # resolved by the raising (lead) agency or a stage-3/4 role holder (`lead`) of either agency.
    ("POST", "/api/v1/actions/<uuid:action_id>/challenges"): Route({
        "practitioner": other_agencies(201), "manager": other_agencies(201), "lead": other_agencies(201),
        "ig": 404, "admin": 404, "auditor": 404, ANONYMOUS: 401,
    }, path_values=lambda w: {"action_id": w.unchallenged_action_id},
        body=lambda w: {"concern": "Not started", "evidence": "Two calls unanswered"}),
    ("GET", "/api/v1/challenges"): Route({
        **dict.fromkeys(ROLES, 403), "practitioner": 200, "manager": 200, "lead": 200,
        ANONYMOUS: 401}),
    ("GET", "/api/v1/challenges/<uuid:challenge_id>"): Route({
        "practitioner": members_see(200), "manager": members_see(200), "lead": members_see(200),
        "ig": 404, "admin": 404, "auditor": 404, ANONYMOUS: 401,
    }, path_values=lambda w: {"challenge_id": w.challenge_id}),
    # Steps are recorded by either of the challenge's two agencies (here, both members).
    ("POST", "/api/v1/challenges/<uuid:challenge_id>/steps"): Route({
        "practitioner": members_see(201), "manager": members_see(201), "lead": members_see(201),
        "ig": 404, "admin": 404, "auditor": 404, ANONYMOUS: 401,
    }, path_values=lambda w: {"challenge_id": w.challenge_id},
        body=lambda w: {"steps_taken": "Called the officer in charge", "agreed_plan": "Visit Friday"}),
    ("POST", "/api/v1/challenges/<uuid:challenge_id>/resolve"): Route({
        "practitioner": lead_agency_only(200), "manager": lead_agency_only(200),
        "lead": members_see(200), "ig": 404, "admin": 404, "auditor": 404, ANONYMOUS: 401,
    }, path_values=lambda w: {"challenge_id": w.challenge_id},
        body=lambda w: {"outcome": "Visit booked", "agreed_plan": "Visit on Wednesday"}),
    # Meetings: convened about a case of the caller's agency; seen by the agencies of its cases.
    ("POST", "/api/v1/meetings"): Route({
        "practitioner": members_see(201), "manager": members_see(201), "lead": members_see(201),
        "ig": 403, "admin": 403, "auditor": 403, ANONYMOUS: 401,
    }, body=lambda w: {
        "kind": "strategy", "title": "Strategy meeting", "location": "Room 2",
        "start": (utcnow() + timedelta(days=2)).isoformat(),
        "end": (utcnow() + timedelta(days=2, hours=1)).isoformat(), "case_ids": [str(w.case.id)]}),
    ("GET", "/api/v1/meetings"): Route({
        **dict.fromkeys(ROLES, 403), "practitioner": 200, "manager": 200, "lead": 200,
        ANONYMOUS: 401}),
    ("GET", "/api/v1/meetings/<uuid:meeting_id>"): Route({
        "practitioner": members_see(200), "manager": members_see(200), "lead": members_see(200),
        "ig": 403, "admin": 403, "auditor": 403, ANONYMOUS: 401,
    }, path_values=lambda w: {"meeting_id": w.meeting_id}),
    # Only the convening (lead) agency moves or cancels it; the member is 403, others 404.
    ("PATCH", "/api/v1/meetings/<uuid:meeting_id>"): Route({
        "practitioner": lead_agency_only(200), "manager": lead_agency_only(200),
        "lead": lead_agency_only(200), "ig": 403, "admin": 403, "auditor": 403, ANONYMOUS: 401,
    }, path_values=lambda w: {"meeting_id": w.meeting_id}, body=lambda w: {"location": "Room 9"}),
    ("POST", "/api/v1/meetings/<uuid:meeting_id>/cancel"): Route({
        "practitioner": lead_agency_only(200), "manager": lead_agency_only(200),
        "lead": lead_agency_only(200), "ig": 403, "admin": 403, "auditor": 403, ANONYMOUS: 401,
    }, path_values=lambda w: {"meeting_id": w.meeting_id}),
    ("GET", "/api/v1/meetings/<uuid:meeting_id>/invite.ics"): Route({
        "practitioner": members_see(200), "manager": members_see(200), "lead": members_see(200),
        "ig": 403, "admin": 403, "auditor": 403, ANONYMOUS: 401,
    }, path_values=lambda w: {"meeting_id": w.meeting_id}),
    # The register: the convening agency keeps it; anyone who sees the meeting acknowledges.
    ("POST", "/api/v1/meetings/<uuid:meeting_id>/attendance"): Route({
        "practitioner": lead_agency_only(200), "manager": lead_agency_only(200),
        "lead": lead_agency_only(200), "ig": 403, "admin": 403, "auditor": 403, ANONYMOUS: 401,
    }, path_values=lambda w: {"meeting_id": w.meeting_id},
        body=lambda w: {"agency": w.lead.code, "status": "attended"}),
    ("POST", "/api/v1/meetings/<uuid:meeting_id>/acknowledgements"): Route({
        "practitioner": members_see(201), "manager": members_see(201), "lead": members_see(201),
        "ig": 403, "admin": 403, "auditor": 403, ANONYMOUS: 401,
    }, path_values=lambda w: {"meeting_id": w.meeting_id}),
    # A person's own calendar feed (revoking none is no error).
    ("GET", "/api/v1/me/calendar-feed"): Route({
        **dict.fromkeys(ROLES, 403), "practitioner": 200, "manager": 200, "lead": 200,
        ANONYMOUS: 401}),
    ("DELETE", "/api/v1/me/calendar-feed"): Route({
        **dict.fromkeys(ROLES, 403), "practitioner": 204, "manager": 204, "lead": 204,
        ANONYMOUS: 401}),
    # The feed itself: the URL is the credential, so a made-up one is not found, for everyone.
    ("GET", "/calendar/<uuid:feed_id>/<string:mac>.ics"): Route(
        everyone(404, anonymous=404),
        path_values=lambda w: {"feed_id": uuid.uuid4(), "mac": "not-a-mac"}),
    # MAPPA management: the lead agency sets it, members read it; the world's case is an adult
    # case, so whoever gets past the access policy is told it is not a MAPPA case (409).
    ("PUT", "/api/v1/cases/<uuid:case_id>/mappa"): Route({
        "practitioner": lead_agency_only(409), "manager": lead_agency_only(409),
        "lead": lead_agency_only(409), "ig": 404, "admin": 404, "auditor": 404, ANONYMOUS: 401,
    }, path_values=case_id, body=lambda w: {"category": 2, "level": 2}),
    ("GET", "/api/v1/cases/<uuid:case_id>/mappa"): Route({
        "practitioner": members_see(409), "manager": members_see(409), "lead": members_see(409),
        "ig": members_see(409), "admin": 404, "auditor": 404, ANONYMOUS: 401,
    }, path_values=case_id),
    # Minutes: the convening agency writes and issues them (the meeting has not started by the
    # clock, so writing is refused, 409; issuing again too, version 1 being issued); members read.
    ("POST", "/api/v1/meetings/<uuid:meeting_id>/minutes"): Route({
        "practitioner": lead_agency_only(409), "manager": lead_agency_only(409),
        "lead": lead_agency_only(409), "ig": 403, "admin": 403, "auditor": 403, ANONYMOUS: 401,
    }, path_values=lambda w: {"meeting_id": w.meeting_id}, body=lambda w: {"summary": "Minuted"}),
    ("POST", "/api/v1/meetings/<uuid:meeting_id>/minutes/issue"): Route({
        "practitioner": lead_agency_only(409), "manager": lead_agency_only(409),
        "lead": lead_agency_only(409), "ig": 403, "admin": 403, "auditor": 403, ANONYMOUS: 401,
    }, path_values=lambda w: {"meeting_id": w.meeting_id}),
    ("GET", "/api/v1/meetings/<uuid:meeting_id>/minutes"): Route({
        "practitioner": members_see(200), "manager": members_see(200), "lead": members_see(200),
        "ig": 403, "admin": 403, "auditor": 403, ANONYMOUS: 401,
    }, path_values=lambda w: {"meeting_id": w.meeting_id}),
    ("GET", "/api/v1/meetings/<uuid:meeting_id>/minutes/latest"): Route({
        "practitioner": members_see(200), "manager": members_see(200), "lead": members_see(200),
        "ig": 403, "admin": 403, "auditor": 403, ANONYMOUS: 401,
    }, path_values=lambda w: {"meeting_id": w.meeting_id}),
    ("GET", "/api/v1/meetings/<uuid:meeting_id>/minutes/<int:version>"): Route({
        "practitioner": members_see(200), "manager": members_see(200), "lead": members_see(200),
        "ig": 403, "admin": 403, "auditor": 403, ANONYMOUS: 401,
    }, path_values=lambda w: {"meeting_id": w.meeting_id, "version": 1}),
    ("GET", "/meetings/<uuid:meeting_id>/minutes"): Route({
        "practitioner": members_see(200), "manager": members_see(200), "lead": members_see(200),
        "ig": 403, "admin": 403, "auditor": 403, ANONYMOUS: SIGN_IN_REDIRECT,
    }, path_values=lambda w: {"meeting_id": w.meeting_id}),
    ("GET", "/meetings/<uuid:meeting_id>/minutes/new"): Route({
        "practitioner": lead_agency_only(200), "manager": lead_agency_only(200),
        "lead": lead_agency_only(200), "ig": 403, "admin": 403, "auditor": 403, ANONYMOUS: SIGN_IN_REDIRECT,
    }, path_values=lambda w: {"meeting_id": w.meeting_id}),
    ("POST", "/meetings/<uuid:meeting_id>/minutes/new"): Route({
        "practitioner": lead_agency_only(409), "manager": lead_agency_only(409),
        "lead": lead_agency_only(409), "ig": 403, "admin": 403, "auditor": 403, ANONYMOUS: SIGN_IN_REDIRECT,
    }, path_values=lambda w: {"meeting_id": w.meeting_id}, form={"slots": "1", "summary": "Minuted"}),
    ("POST", "/meetings/<uuid:meeting_id>/minutes/issue"): Route({
        "practitioner": lead_agency_only(409), "manager": lead_agency_only(409),
        "lead": lead_agency_only(409), "ig": 403, "admin": 403, "auditor": 403, ANONYMOUS: SIGN_IN_REDIRECT,
    }, path_values=lambda w: {"meeting_id": w.meeting_id}),
    # MARAC: the referring (lead) agency records a referral on a MARAC case (the world's is an
    # adult case: 409 past the access policy); no coordinating agency is configured here, so the
    # queue and listing are refused to everyone (403), audited.
    ("PUT", "/api/v1/cases/<uuid:case_id>/marac-referral"): Route({
        "practitioner": lead_agency_only(409), "manager": lead_agency_only(409),
        "lead": lead_agency_only(409), "ig": 404, "admin": 404, "auditor": 404, ANONYMOUS: 401,
    }, path_values=case_id, body=lambda w: {"dash_score": 15, "children": False, "victim_aware": True}),
    ("GET", "/api/v1/marac/queue"): Route({**dict.fromkeys(ROLES, 403), ANONYMOUS: 401}),
    ("POST", "/api/v1/meetings/<uuid:meeting_id>/cases"): Route(
        {**dict.fromkeys(ROLES, 403), ANONYMOUS: 401}, path_values=lambda w: {"meeting_id": w.meeting_id},
        body=lambda w: {"case_id": str(w.case.id)}),
    # Actions carried over to the meeting: those who see it list them; the convening agency marks
    # them once the meeting has started (three days on, so refused past the access policy, 409).
    ("GET", "/api/v1/meetings/<uuid:meeting_id>/carried-over"): Route({
        "practitioner": members_see(200), "manager": members_see(200), "lead": members_see(200),
        "ig": 403, "admin": 403, "auditor": 403, ANONYMOUS: 401,
    }, path_values=lambda w: {"meeting_id": w.meeting_id}),
    ("POST", "/api/v1/meetings/<uuid:meeting_id>/carried-over/<uuid:action_id>"): Route({
        "practitioner": lead_agency_only(409), "manager": lead_agency_only(409),
        "lead": lead_agency_only(409), "ig": 403, "admin": 403, "auditor": 403, ANONYMOUS: 401,
    }, path_values=lambda w: {"meeting_id": w.meeting_id, "action_id": w.unchallenged_action_id},
        body=lambda w: {"status": "not_done_by_agency", "note": "Not done"}),
    # Its page: the convening agency's alone (an action not carried over is not found, 404; the
    # meeting has not started, so marking is refused past the access policy, 409).
    ("GET", "/meetings/<uuid:meeting_id>/carried-over/<uuid:action_id>"): Route({
        "practitioner": lead_agency_only(404), "manager": lead_agency_only(404),
        "lead": lead_agency_only(404), "ig": 403, "admin": 403, "auditor": 403, ANONYMOUS: SIGN_IN_REDIRECT,
    }, path_values=lambda w: {"meeting_id": w.meeting_id, "action_id": uuid.uuid4()}),
    ("POST", "/meetings/<uuid:meeting_id>/carried-over/<uuid:action_id>"): Route({
        "practitioner": lead_agency_only(409), "manager": lead_agency_only(409),
        "lead": lead_agency_only(409), "ig": 403, "admin": 403, "auditor": 403, ANONYMOUS: SIGN_IN_REDIRECT,
    }, path_values=lambda w: {"meeting_id": w.meeting_id, "action_id": w.unchallenged_action_id},
        form={"status": "not_done_by_agency", "note": "Not done"}),
    ("GET", "/api/v1/meetings/<uuid:meeting_id>/agenda"): Route({
        "practitioner": members_see(200), "manager": members_see(200), "lead": members_see(200),
        "ig": 403, "admin": 403, "auditor": 403, ANONYMOUS: 401,
    }, path_values=lambda w: {"meeting_id": w.meeting_id}),
    # Answering an invitation from its e-mail: the signed link is the credential.
    ("GET", "/rsvp/<string:token>"): Route(everyone(404, anonymous=404),
                                           path_values=lambda w: {"token": "not-signed"}),
    ("POST", "/rsvp/<string:token>"): Route(everyone(404, anonymous=404),
                                            path_values=lambda w: {"token": "not-signed"},
                                            form={"partstat": "ACCEPTED"}),
    # The meeting pages (meetings/views.py).
    ("GET", "/meetings/<uuid:meeting_id>"): Route({
        "practitioner": members_see(200), "manager": members_see(200), "lead": members_see(200),
        "ig": 403, "admin": 403, "auditor": 403, ANONYMOUS: SIGN_IN_REDIRECT,
    }, path_values=lambda w: {"meeting_id": w.meeting_id}),
    ("GET", "/meetings"): Route({**dict.fromkeys(ROLES, 403), "practitioner": 200, "manager": 200,
                                 "lead": 200, ANONYMOUS: SIGN_IN_REDIRECT}),
    ("POST", "/meetings/<uuid:meeting_id>/acknowledge"): Route({
        "practitioner": members_see(303), "manager": members_see(303), "lead": members_see(303),
        "ig": 403, "admin": 403, "auditor": 403, ANONYMOUS: SIGN_IN_REDIRECT,
    }, path_values=lambda w: {"meeting_id": w.meeting_id}, form={}),
    # The form names an agency that is not on the meeting: the chair is shown it again (422).
    ("POST", "/meetings/<uuid:meeting_id>/attendance"): Route({
        "practitioner": lead_agency_only(422), "manager": lead_agency_only(422),
        "lead": lead_agency_only(422), "ig": 403, "admin": 403, "auditor": 403, ANONYMOUS: SIGN_IN_REDIRECT,
    }, path_values=lambda w: {"meeting_id": w.meeting_id}, form={"agency": "NOT-ONE", "status": "attended"}),
    # Moving or cancelling from the meeting's page: the convening agency alone (an empty change
    # form is shown again, 422).
    ("GET", "/meetings/<uuid:meeting_id>/change"): Route({
        "practitioner": lead_agency_only(200), "manager": lead_agency_only(200),
        "lead": lead_agency_only(200), "ig": 403, "admin": 403, "auditor": 403, ANONYMOUS: SIGN_IN_REDIRECT,
    }, path_values=lambda w: {"meeting_id": w.meeting_id}),
    ("POST", "/meetings/<uuid:meeting_id>/change"): Route({
        "practitioner": lead_agency_only(422), "manager": lead_agency_only(422),
        "lead": lead_agency_only(422), "ig": 403, "admin": 403, "auditor": 403, ANONYMOUS: SIGN_IN_REDIRECT,
    }, path_values=lambda w: {"meeting_id": w.meeting_id}, form={}),
    ("GET", "/meetings/<uuid:meeting_id>/cancel"): Route({
        "practitioner": lead_agency_only(200), "manager": lead_agency_only(200),
        "lead": lead_agency_only(200), "ig": 403, "admin": 403, "auditor": 403, ANONYMOUS: SIGN_IN_REDIRECT,
    }, path_values=lambda w: {"meeting_id": w.meeting_id}),
    ("POST", "/meetings/<uuid:meeting_id>/cancel"): Route({
        "practitioner": lead_agency_only(303), "manager": lead_agency_only(303),
        "lead": lead_agency_only(303), "ig": 403, "admin": 403, "auditor": 403, ANONYMOUS: SIGN_IN_REDIRECT,
    }, path_values=lambda w: {"meeting_id": w.meeting_id}, form={}),
    ("GET", "/cases/<uuid:case_id>/mappa"): Route({
        "practitioner": lead_agency_only(409), "manager": lead_agency_only(409),
        "lead": lead_agency_only(409), "ig": 404, "admin": 404, "auditor": 404, ANONYMOUS: SIGN_IN_REDIRECT,
    }, path_values=case_id),
    ("POST", "/cases/<uuid:case_id>/mappa"): Route({
        "practitioner": lead_agency_only(409), "manager": lead_agency_only(409),
        "lead": lead_agency_only(409), "ig": 404, "admin": 404, "auditor": 404, ANONYMOUS: SIGN_IN_REDIRECT,
    }, path_values=case_id, form={"category": "2", "level": "2"}),
    # Convening from a case's page: members of the case; an empty form is shown again (422).
    ("GET", "/cases/<uuid:case_id>/meetings/new"): Route({
        "practitioner": members_see(200), "manager": members_see(200), "lead": members_see(200),
        "ig": 403, "admin": 403, "auditor": 403, ANONYMOUS: SIGN_IN_REDIRECT}, path_values=case_id),
    ("POST", "/cases/<uuid:case_id>/meetings/new"): Route({
        "practitioner": members_see(200), "manager": members_see(200), "lead": members_see(200),
        "ig": 403, "admin": 403, "auditor": 403, ANONYMOUS: SIGN_IN_REDIRECT}, path_values=case_id, form={}),
    ("POST", "/cases/<uuid:case_id>/meetings/check"): Route({
        "practitioner": members_see(422), "manager": members_see(422), "lead": members_see(422),
        "ig": 403, "admin": 403, "auditor": 403, ANONYMOUS: SIGN_IN_REDIRECT}, path_values=case_id, form={}),
    ("POST", "/cases/<uuid:case_id>/meetings"): Route({
        "practitioner": members_see(422), "manager": members_see(422), "lead": members_see(422),
        "ig": 403, "admin": 403, "auditor": 403, ANONYMOUS: SIGN_IN_REDIRECT}, path_values=case_id, form={}),
    ("GET", "/cases/<uuid:case_id>/marac-referral"): Route({
        "practitioner": lead_agency_only(409), "manager": lead_agency_only(409),
        "lead": lead_agency_only(409), "ig": 404, "admin": 404, "auditor": 404, ANONYMOUS: SIGN_IN_REDIRECT,
    }, path_values=case_id),
    ("POST", "/cases/<uuid:case_id>/marac-referral"): Route({
        "practitioner": lead_agency_only(409), "manager": lead_agency_only(409),
        "lead": lead_agency_only(409), "ig": 404, "admin": 404, "auditor": 404, ANONYMOUS: SIGN_IN_REDIRECT,
    }, path_values=case_id, form={"dash_score": "15", "children": "no", "victim_aware": "yes"}),
    # A MARAC convened by the coordinator from the queue (none is configured here: 403, audited).
    ("GET", "/marac/meetings/new"): Route({**dict.fromkeys(ROLES, 403), ANONYMOUS: SIGN_IN_REDIRECT}),
    ("POST", "/marac/meetings/new"): Route({**dict.fromkeys(ROLES, 403), ANONYMOUS: SIGN_IN_REDIRECT},
                                           form={}),
    ("POST", "/marac/meetings/check"): Route({**dict.fromkeys(ROLES, 403), ANONYMOUS: SIGN_IN_REDIRECT},
                                             form={}),
    ("POST", "/marac/meetings"): Route({**dict.fromkeys(ROLES, 403), ANONYMOUS: SIGN_IN_REDIRECT}, form={}),
    # An agency's research on a case listed at a MARAC: the world's meeting is a strategy meeting.
    ("GET", "/meetings/<uuid:meeting_id>/research/<uuid:case_id>"): Route({
        "practitioner": members_see(200), "manager": members_see(200), "lead": members_see(200),
        "ig": 403, "admin": 403, "auditor": 403, ANONYMOUS: SIGN_IN_REDIRECT,
    }, path_values=lambda w: {"meeting_id": w.meeting_id, "case_id": w.case.id}),
    ("POST", "/meetings/<uuid:meeting_id>/research/<uuid:case_id>"): Route({
        "practitioner": members_see(409), "manager": members_see(409), "lead": members_see(409),
        "ig": 403, "admin": 403, "auditor": 403, ANONYMOUS: SIGN_IN_REDIRECT,
    }, path_values=lambda w: {"meeting_id": w.meeting_id, "case_id": w.case.id}, form={"brought": "x"}),
    ("POST", "/api/v1/meetings/<uuid:meeting_id>/research"): Route({
        "practitioner": members_see(409), "manager": members_see(409), "lead": members_see(409),
        "ig": 403, "admin": 403, "auditor": 403, ANONYMOUS: 401,
    }, path_values=lambda w: {"meeting_id": w.meeting_id},
        body=lambda w: {"case_id": str(w.case.id), "brought": "x"}),
    ("GET", "/marac/queue"): Route({**dict.fromkeys(ROLES, 403), ANONYMOUS: SIGN_IN_REDIRECT}),
    ("POST", "/marac/queue/list"): Route({**dict.fromkeys(ROLES, 403), ANONYMOUS: SIGN_IN_REDIRECT},
                                         form={"case_id": "x", "meeting_id": "y"}),
    ("GET", "/meetings/calendar"): Route({**dict.fromkeys(ROLES, 403), "practitioner": 200,
                                          "manager": 200, "lead": 200, ANONYMOUS: SIGN_IN_REDIRECT}),
    ("GET", "/meetings/calendar-feed"): Route({**dict.fromkeys(ROLES, 403), "practitioner": 200,
                                               "manager": 200, "lead": 200, ANONYMOUS: SIGN_IN_REDIRECT}),
    ("POST", "/meetings/calendar-feed/revoke"): Route({
        **dict.fromkeys(ROLES, 403), "practitioner": 303, "manager": 303, "lead": 303,
        ANONYMOUS: SIGN_IN_REDIRECT}, form={}),
    # The risk summary's pages (sharing/views.py): readers include IG; writers do not.
    ("GET", "/cases/<uuid:case_id>/risk-summary"): Route(page_readers(200), path_values=case_id),
    ("GET", "/cases/<uuid:case_id>/risk-summary/new"): Route(page_writers(200), path_values=case_id),
    ("POST", "/cases/<uuid:case_id>/risk-summary/new"): Route(
        page_writers(200), path_values=case_id, form={"level": "medium", "based_on": "1"}),
    ("POST", "/cases/<uuid:case_id>/risk-summary"): Route(
        page_writers(303), path_values=case_id, form={"level": "medium", "based_on": "1"}),
    ("GET", "/cases/<uuid:case_id>/risk-summary/versions"): Route(page_readers(200), path_values=case_id),
    ("GET", "/cases/<uuid:case_id>/risk-summary/versions/<int:version>"): Route(
        page_readers(200), path_values=lambda w: {"case_id": w.case.id, "version": w.risk_version}),
    # Comparing needs two different versions; the world's case has one, so a reader is told so.
    ("GET", "/cases/<uuid:case_id>/risk-summary/compare"): Route(
        page_readers(422), path_values=case_id, query=lambda w: {"from": "1", "to": "1"}),
    # The actions' pages (sharing/action_views.py). The form posted names an agency that is not a
    # member, so a member is shown the form again (422); the status form marks the action done.
    ("GET", "/cases/<uuid:case_id>/actions"): Route(page_readers(200), path_values=case_id),
    ("GET", "/cases/<uuid:case_id>/actions/new"): Route(page_writers(200), path_values=case_id),
    ("POST", "/cases/<uuid:case_id>/actions/new"): Route(
        page_writers(422), path_values=case_id,
        form={"title": "Visit", "agency": "NOPE-01", "assignee": "", "due-day": "1", "due-month": "1",
              "due-year": "2099"}),
    ("GET", "/actions/<uuid:action_id>"): Route(page_readers(200),
                                                path_values=lambda w: {"action_id": w.action_id}),
    ("POST", "/actions/<uuid:action_id>/status"): Route(
        page_writers(303), path_values=lambda w: {"action_id": w.action_id},
        form={"status": "done", "note": "", "evidence": "Visited as agreed"}),
    ("GET", "/actions"): Route({**dict.fromkeys(ROLES, 403), "practitioner": 200, "manager": 200,
                                "lead": 200, ANONYMOUS: SIGN_IN_REDIRECT}),
    # The challenge pages (sharing/challenge_views.py): the member's own action is 422 for it.
    ("GET", "/actions/<uuid:action_id>/challenge"): Route(
        page_writers(200), path_values=lambda w: {"action_id": w.unchallenged_action_id}),
    ("POST", "/actions/<uuid:action_id>/challenge"): Route({
        **page_writers(303), "practitioner": other_agencies(303), "manager": other_agencies(303),
        "lead": other_agencies(303)}, path_values=lambda w: {"action_id": w.unchallenged_action_id},
        form={"concern": "Not started", "evidence": "", "immediate_risk": "no"}),
    ("GET", "/challenges/<uuid:challenge_id>"): Route(
        page_writers(200), path_values=lambda w: {"challenge_id": w.challenge_id}),
    ("POST", "/challenges/<uuid:challenge_id>/steps"): Route(
        page_writers(303), path_values=lambda w: {"challenge_id": w.challenge_id},
        form={"steps_taken": "Called the officer in charge", "step_plan": "Visit Friday"}),
    ("POST", "/challenges/<uuid:challenge_id>/resolve"): Route({
        **page_writers(303), "practitioner": lead_agency_only(303), "manager": lead_agency_only(303)},
        path_values=lambda w: {"challenge_id": w.challenge_id},
        form={"outcome": "Visit booked", "agreed_plan": "Visit on Wednesday"}),
    ("GET", "/challenges"): Route({**dict.fromkeys(ROLES, 403), "practitioner": 200, "manager": 200,
                                   "lead": 200, ANONYMOUS: SIGN_IN_REDIRECT}),
    # The IG queue is the caller's own agency's; only IG of the deciding (lead) agency reviews
    # the decision, IG of any other agency is told it does not exist.
    ("GET", "/api/v1/disclosures/review-queue"): Route({
        "practitioner": 403, "manager": 403, "lead": 403, "ig": 200, "admin": 403, "auditor": 403,
        ANONYMOUS: 401,
    }),
    ("POST", "/api/v1/disclosures/<uuid:decision_id>/reviews"): Route({
        "practitioner": 403, "manager": 403, "lead": 403,
        "ig": {LEAD_MEMBER: 201, MEMBER: 404, NON_MEMBER: 404, REMOVED: 404},
        "admin": 403, "auditor": 403, ANONYMOUS: 401,
    }, path_values=lambda w: {"decision_id": w.decision_id},
        body=lambda w: {"outcome": "endorsed", "comment": "Proportionate and necessary"}),
    # The agreements register: everyone signed in reads it, administrators write it.
    ("GET", "/api/v1/agreements"): Route(everyone(200, anonymous=401)),
    ("POST", "/api/v1/agreements"): Route({
        "practitioner": 403, "manager": 403, "lead": 403, "ig": 403, "admin": 201, "auditor": 403,
        ANONYMOUS: 401,
    }, body=lambda w: {**API_AGREEMENT, "parties": [w.lead.code, w.outsider.code]}),
    # Figures only, no personal data.
    ("GET", "/api/v1/reports/disclosures"): Route({
        "practitioner": 403, "manager": 200, "lead": 200, "ig": 200, "admin": 403, "auditor": 200,
        ANONYMOUS: 401,
    }, query=lambda w: {"from": "2026-01-01", "to": "2026-12-31"}),
    # --- consent: case pages (consent/views.py) ---
    # Members read and record; IG reads but never records (refused before the case is looked up);
    # admin and auditor hold no case-content permission. A draft of the guided form is its
    # author's alone: anyone else's (here: one that does not exist) is 404, and audited.
    ("GET", "/cases/<uuid:case_id>/consents"): Route({
        "practitioner": members_see(200), "manager": members_see(200), "lead": members_see(200),
        "ig": members_see(200), "admin": 404, "auditor": 404, ANONYMOUS: SIGN_IN_REDIRECT,
    }, path_values=case_id),
    ("GET", "/cases/<uuid:case_id>/consents/new"): Route({
        "practitioner": members_see(200), "manager": members_see(200), "lead": members_see(200),
        "ig": 404, "admin": 404, "auditor": 404, ANONYMOUS: SIGN_IN_REDIRECT,
    }, path_values=case_id),
    ("POST", "/cases/<uuid:case_id>/consents"): Route({
        "practitioner": members_see(303), "manager": members_see(303), "lead": members_see(303),
        "ig": 404, "admin": 404, "auditor": 404, ANONYMOUS: SIGN_IN_REDIRECT,
    }, path_values=case_id, form=PAGE_CONSENT),
    ("GET", "/cases/<uuid:case_id>/consents/<uuid:consent_id>/withdraw"): Route({
        "practitioner": members_see(200), "manager": members_see(200), "lead": members_see(200),
        "ig": 404, "admin": 404, "auditor": 404, ANONYMOUS: SIGN_IN_REDIRECT,
    }, path_values=lambda w: {"case_id": w.case.id, "consent_id": w.consent_id}),
    ("POST", "/cases/<uuid:case_id>/consents/<uuid:consent_id>/withdraw"): Route({
        "practitioner": members_see(303), "manager": members_see(303), "lead": members_see(303),
        "ig": 404, "admin": 404, "auditor": 404, ANONYMOUS: SIGN_IN_REDIRECT,
    }, path_values=lambda w: {"case_id": w.case.id, "consent_id": w.consent_id},
        form={"channel": "written"}),
    ("GET", "/cases/<uuid:case_id>/decisions"): Route({
        "practitioner": members_see(200), "manager": members_see(200), "lead": members_see(200),
        "ig": members_see(200), "admin": 404, "auditor": 404, ANONYMOUS: SIGN_IN_REDIRECT,
    }, path_values=case_id),
    ("GET", "/cases/<uuid:case_id>/decisions/<uuid:decision_id>"): Route({
        "practitioner": members_see(200), "manager": members_see(200), "lead": members_see(200),
        "ig": members_see(200), "admin": 404, "auditor": 404, ANONYMOUS: SIGN_IN_REDIRECT,
    }, path_values=lambda w: {"case_id": w.case.id, "decision_id": w.decision_id}),
    ("GET", "/cases/<uuid:case_id>/decisions/new"): Route({
        "practitioner": members_see(200), "manager": members_see(200), "lead": members_see(200),
        "ig": 404, "admin": 404, "auditor": 404, ANONYMOUS: SIGN_IN_REDIRECT,
    }, path_values=case_id, query=lambda w: {"supersedes": str(w.decision_id)}),
    ("POST", "/cases/<uuid:case_id>/decisions/drafts"): Route({
        "practitioner": members_see(303), "manager": members_see(303), "lead": members_see(303),
        "ig": 404, "admin": 404, "auditor": 404, ANONYMOUS: SIGN_IN_REDIRECT,
    }, path_values=case_id, form={}),
    ("GET", "/cases/<uuid:case_id>/decisions/drafts/<uuid:draft_id>/<slug>"): Route(
        {**dict.fromkeys(ROLES, 404), ANONYMOUS: SIGN_IN_REDIRECT}, path_values=someone_elses_draft),
    ("POST", "/cases/<uuid:case_id>/decisions/drafts/<uuid:draft_id>/<slug>"): Route(
        {**dict.fromkeys(ROLES, 404), ANONYMOUS: SIGN_IN_REDIRECT}, path_values=someone_elses_draft,
        form={"purpose": "marac"}),
    ("GET", "/cases/<uuid:case_id>/decisions/drafts/<uuid:draft_id>/check-answers"): Route(
        {**dict.fromkeys(ROLES, 404), ANONYMOUS: SIGN_IN_REDIRECT}, path_values=someone_elses_draft),
    ("POST", "/cases/<uuid:case_id>/decisions/drafts/<uuid:draft_id>/check-answers"): Route(
        {**dict.fromkeys(ROLES, 404), ANONYMOUS: SIGN_IN_REDIRECT}, path_values=someone_elses_draft,
        form={}),
    ("GET", "/cases/<uuid:case_id>/membership-history"): Route({
        "practitioner": members_see(200), "manager": members_see(200), "lead": members_see(200),
        "ig": members_see(200), "admin": 404, "auditor": 404, ANONYMOUS: SIGN_IN_REDIRECT,
    }, path_values=case_id),
    # --- consent: register, IG queue and report pages (consent/admin_views.py) ---
    # The register: everyone signed in reads it; only administrators add to it. The form posted
    # names an agency that does not exist, so an administrator is shown the form again (422).
    ("GET", "/agreements"): Route(everyone(200, anonymous=SIGN_IN_REDIRECT)),
    ("GET", "/agreements/new"): Route(administrators_only(200)),
    ("POST", "/agreements/new"): Route(administrators_only(200), form=PAGE_AGREEMENT),
    ("POST", "/agreements/check"): Route(administrators_only(422), form=PAGE_AGREEMENT),
    ("POST", "/agreements"): Route(administrators_only(422), form=PAGE_AGREEMENT),
    ("GET", "/agreements/<uuid:agreement_id>/recorded"): Route(
        administrators_only(200), path_values=lambda w: {"agreement_id": w.agreement_id}),
    # The IG queue is the caller's agency's: only IG of the deciding (lead) agency sees the
    # decision; IG of any other agency is told it does not exist.
    ("GET", "/disclosures/review-queue"): Route({
        **dict.fromkeys(ROLES, 403), "ig": 200, ANONYMOUS: SIGN_IN_REDIRECT}),
    ("GET", "/disclosures/<uuid:decision_id>/review"): Route({
        **dict.fromkeys(ROLES, 403), "ig": {LEAD_MEMBER: 200, MEMBER: 404, NON_MEMBER: 404, REMOVED: 404},
        ANONYMOUS: SIGN_IN_REDIRECT}, path_values=lambda w: {"decision_id": w.decision_id}),
    ("POST", "/disclosures/<uuid:decision_id>/review"): Route({
        **dict.fromkeys(ROLES, 403), "ig": {LEAD_MEMBER: 303, MEMBER: 404, NON_MEMBER: 404, REMOVED: 404},
        ANONYMOUS: SIGN_IN_REDIRECT}, path_values=lambda w: {"decision_id": w.decision_id},
        form={"outcome": "endorsed", "comment": "Necessary and proportionate"}),
    # --- concerns: API (concerns/api.py) ---
    # Anyone who works cases raises a concern, for their own agency's named leads.
    ("POST", "/api/v1/concerns"): Route({
        **case_workers(201), "ig": 403, "admin": 403, "auditor": 403, ANONYMOUS: 401},
        body=lambda w: API_CONCERN),
    ("GET", "/api/v1/concerns"): Route({
        **case_workers(200), "ig": 403, "admin": 403, "auditor": 403, ANONYMOUS: 401}),
    # The world's concern is the lead agency's, raised by someone else: only a named lead of that
    # agency (here, its `lead` role holders) sees and triages it; to anyone else it does not exist.
    ("POST", "/api/v1/concerns/<uuid:concern_id>/triage"): Route({
        "practitioner": 404, "manager": 404, "lead": lead_agency_only_sees(200),
        "ig": 403, "admin": 403, "auditor": 403, ANONYMOUS: 401},
        path_values=lambda w: {"concern_id": w.concern_id},
        body=lambda w: {"outcome": "advice_given", "rationale": "Advice on a carer's assessment"}),
    # Daily observation: members of the case; only the lead agency has agreed it, so another
    # member's observation is refused (409) until it agrees its own.
    ("PUT", "/api/v1/cases/<uuid:case_id>/observation-plan"): Route({
        **case_workers(members_see(200)), "ig": 404, "admin": 404, "auditor": 404, ANONYMOUS: 401},
        path_values=case_id, body=lambda w: {"daily": True}),
    ("POST", "/api/v1/cases/<uuid:case_id>/observations"): Route({
        **case_workers({LEAD_MEMBER: 201, MEMBER: 409, NON_MEMBER: 404, REMOVED: 404}),
        "ig": 404, "admin": 404, "auditor": 404, ANONYMOUS: 401},
        path_values=case_id, body=lambda w: {"scores": {"mood": 1}, "note": "Settled"}),
    ("GET", "/api/v1/cases/<uuid:case_id>/observations"): Route({
        **case_workers(members_see(200)), "ig": 404, "admin": 404, "auditor": 404, ANONYMOUS: 401},
        path_values=case_id),
    # Alerts: the named leads and the managers of the observing (lead) agency.
    ("GET", "/api/v1/alerts"): Route({
        "practitioner": 403, "manager": 200, "lead": 200, "ig": 403, "admin": 403, "auditor": 403,
        ANONYMOUS: 401}),
    ("POST", "/api/v1/alerts/<uuid:alert_id>/acknowledge"): Route({
        "practitioner": 403, "manager": lead_agency_only_sees(200), "lead": lead_agency_only_sees(200),
        "ig": 403, "admin": 403, "auditor": 403, ANONYMOUS: 401},
        path_values=lambda w: {"alert_id": w.alert_id},
        body=lambda w: {"action_taken": "contact_person", "note": "Phoned her"}),
    # Supervision: each member agency allocates the case to one of its own (here, ends it).
    ("PUT", "/api/v1/cases/<uuid:case_id>/allocation"): Route({
        **case_workers(members_see(200)), "ig": 404, "admin": 404, "auditor": 404, ANONYMOUS: 401},
        path_values=case_id, body=lambda w: {"user_id": None}),
    # Sessions are recorded and reviewed by an agency's managers and leads, about its own people
    # and cases: the world's supervisee works for the lead agency, so anyone else's is refused.
    ("POST", "/api/v1/supervision"): Route({
        "practitioner": 403, "manager": SUPERVISEE_OF_LEAD_AGENCY, "lead": SUPERVISEE_OF_LEAD_AGENCY,
        "ig": 403, "admin": 403, "auditor": 403, ANONYMOUS: 401},
        body=lambda w: {"supervisee_id": str(w.creator_id), "held_on": str(Policy().local_date(utcnow())),
                        "discussions": [{"case_id": str(w.case.id), "note": "Matrix"}]}),
    ("GET", "/api/v1/supervision/due"): Route({
        "practitioner": 403, "manager": 200, "lead": 200, "ig": 403, "admin": 403, "auditor": 403,
        ANONYMOUS: 401}),
    # --- learning: API (learning/api.py) ---
    # Anyone who works cases records an incident or near miss and lists what they may see.
    ("POST", "/api/v1/reviews"): Route({
        **case_workers(201), "ig": 403, "admin": 403, "auditor": 403, ANONYMOUS: 401},
        body=lambda w: API_NEAR_MISS),
    ("GET", "/api/v1/reviews"): Route({
        **case_workers(200), "ig": 403, "admin": 403, "auditor": 403, ANONYMOUS: 401}),
    # The world's near miss involves the lead and member agencies: their leads and managers see
    # and review it, and the person who raised it sees it; to anyone else it does not exist.
    ("GET", "/api/v1/reviews/<uuid:review_id>"): Route({
        "practitioner": 404, "manager": reviewers(200), "lead": reviewers(200),
        "ig": 403, "admin": 403, "auditor": 403, ANONYMOUS: 401}, path_values=review_id),
    ("POST", "/api/v1/reviews/<uuid:review_id>/review"): Route(
        reviewers_only(200), path_values=review_id, body=lambda w: API_STRUCTURED_REVIEW),
    ("POST", "/api/v1/reviews/<uuid:review_id>/feedback"): Route(
        reviewers_only(200), path_values=review_id, body=lambda w: {"feedback": "Thank you: it is fixed"}),
    # A near miss has no SAR decision (409); its start and end it has.
    ("PUT", "/api/v1/reviews/<uuid:review_id>/sar-decision"): Route(
        reviewers_only(409), path_values=review_id, body=lambda w: API_SAR_DECISION),
    ("PUT", "/api/v1/reviews/<uuid:review_id>/dates"): Route(
        reviewers_only(200), path_values=review_id,
        body=lambda w: {"started_on": str(Policy().local_date(utcnow()))}),
    # Setting no links of one's own: allowed to the reviewers, and changes nothing others linked.
    ("PUT", "/api/v1/reviews/<uuid:review_id>/links"): Route(
        reviewers_only(200), path_values=review_id, body=lambda w: {}),
    ("POST", "/api/v1/reviews/<uuid:review_id>/actions"): Route(
        reviewers_only(201), path_values=review_id,
        body=lambda w: {"title": "Matrix", "agency": w.member.code, "owner_role": "lead",
                        "due": str(Policy().local_date(utcnow()) + timedelta(days=7))}),
    # The world's review action is owned by the lead agency's managers: they and its leads work
    # it, as do the review's reviewers; anyone else with the permission is told nothing.
    ("GET", "/api/v1/reviews/actions"): Route({
        **case_workers(200), "ig": 200, "admin": 403, "auditor": 403, ANONYMOUS: 401}),
    ("PATCH", "/api/v1/reviews/<uuid:review_id>/actions/<uuid:action_id>"): Route(
        {**reviewers_only(200), "practitioner": 404, "ig": 404},
        path_values=lambda w: {"review_id": w.review_id, "action_id": w.review_action_id},
        body=lambda w: {"status": "done", "evidence": "Briefing given to the team"}),
    # The partnership report: aggregates only, for leads, managers, IG and auditors.
    ("GET", "/api/v1/reports/partnership"): Route({
        "practitioner": 403, "manager": 200, "lead": 200, "ig": 200, "admin": 403, "auditor": 200,
        ANONYMOUS: 401}, query=lambda w: {"from": "2026-01-01", "to": "2026-12-31"}),
    # Themes: the leads and managers, over their own agency's reviews.
    ("GET", "/api/v1/themes"): Route({
        "practitioner": 403, "manager": 200, "lead": 200, "ig": 403, "admin": 403, "auditor": 403,
        ANONYMOUS: 401}, query=lambda w: {"from": "2026-01-01", "to": "2026-12-31"}),
    ("GET", "/reviews/themes"): Route({
        "practitioner": 403, "manager": 200, "lead": 200, "ig": 403, "admin": 403, "auditor": 403,
        ANONYMOUS: SIGN_IN_REDIRECT}),
    ("GET", "/reports/partnership"): Route(
        REPORT_READERS, query=lambda w: {"from": "2026-01-01", "to": "2026-03-31"}),
    ("GET", "/reports/partnership.csv"): Route(
        REPORT_READERS, query=lambda w: {"from": "2026-01-01", "to": "2026-12-31"}),
    # --- learning: pages (learning/review_views.py, learning/statutory_views.py), refused as the
    #     API refuses; a page sends an anonymous visitor to /sign-in ---
    # Anyone who works cases records an incident or near miss (the form, check your answers,
    # then the review's page) and lists what they may see.
    ("GET", "/reviews"): Route({
        **case_workers(200), "ig": 403, "admin": 403, "auditor": 403, ANONYMOUS: SIGN_IN_REDIRECT}),
    ("GET", "/reviews/new"): Route({
        **case_workers(200), "ig": 403, "admin": 403, "auditor": 403, ANONYMOUS: SIGN_IN_REDIRECT}),
    ("POST", "/reviews/new"): Route({
        **case_workers(200), "ig": 403, "admin": 403, "auditor": 403, ANONYMOUS: SIGN_IN_REDIRECT},
        form={"kind": "near_miss", "summary": "Wrong address on a referral",
              "account": "Caught before it was sent", "occurred_on-day": "5", "occurred_on-month": "1",
              "occurred_on-year": "2026"}),
    ("POST", "/reviews"): Route({
        **case_workers(303), "ig": 403, "admin": 403, "auditor": 403, ANONYMOUS: SIGN_IN_REDIRECT},
        form={"kind": "near_miss", "summary": "Wrong address on a referral",
              "account": "Caught before it was sent", "occurred_on-day": "5", "occurred_on-month": "1",
              "occurred_on-year": "2026"}),
    # The world's near miss: its raiser and the leads and managers of the agencies involved see it;
    # to anyone else it does not exist.
    ("GET", "/reviews/<uuid:review_id>"): Route({
        "practitioner": 404, "manager": reviewers(200), "lead": reviewers(200),
        "ig": 403, "admin": 403, "auditor": 403, ANONYMOUS: SIGN_IN_REDIRECT}, path_values=review_id),
    # The reviewers' pages: a practitioner is refused the route (403).
    ("GET", "/reviews/<uuid:review_id>/review"): Route(
        {**reviewers_only(200), ANONYMOUS: SIGN_IN_REDIRECT}, path_values=review_id),
    ("POST", "/reviews/<uuid:review_id>/review"): Route(
        {**reviewers_only(303), ANONYMOUS: SIGN_IN_REDIRECT}, path_values=review_id,
        form={"timeline.1.on-day": "5", "timeline.1.on-month": "1", "timeline.1.on-year": "2026",
              "timeline.1.what": "Referral drafted", "factors": "record_keeping", "findings": "A typo"}),
    ("GET", "/reviews/<uuid:review_id>/feedback"): Route(
        {**reviewers_only(200), ANONYMOUS: SIGN_IN_REDIRECT}, path_values=review_id),
    ("POST", "/reviews/<uuid:review_id>/feedback/check"): Route(
        {**reviewers_only(200), ANONYMOUS: SIGN_IN_REDIRECT}, path_values=review_id,
        form={"feedback": "Thank you: it is fixed"}),
    ("POST", "/reviews/<uuid:review_id>/feedback"): Route(
        {**reviewers_only(303), ANONYMOUS: SIGN_IN_REDIRECT}, path_values=review_id,
        form={"feedback": "Thank you: it is fixed"}),
    # A near miss has no SAR decision (409); its start and end it has.
    ("GET", "/reviews/<uuid:review_id>/sar-decision"): Route(
        {**reviewers_only(409), ANONYMOUS: SIGN_IN_REDIRECT}, path_values=review_id),
    ("POST", "/reviews/<uuid:review_id>/sar-decision/check"): Route(
        {**reviewers_only(409), ANONYMOUS: SIGN_IN_REDIRECT}, path_values=review_id, form={}),
    ("POST", "/reviews/<uuid:review_id>/sar-decision"): Route(
        {**reviewers_only(409), ANONYMOUS: SIGN_IN_REDIRECT}, path_values=review_id,
        form={"care_and_support_needs": "yes", "joint_working_concern": "yes", "harm": "died",
              "known_or_suspected": "yes", "decision": "review", "rationale": "Mandatory",
              "decided_on-day": "6", "decided_on-month": "1", "decided_on-year": "2026"}),
    ("GET", "/reviews/<uuid:review_id>/dates"): Route(
        {**reviewers_only(200), ANONYMOUS: SIGN_IN_REDIRECT}, path_values=review_id),
    ("POST", "/reviews/<uuid:review_id>/dates"): Route(
        {**reviewers_only(303), ANONYMOUS: SIGN_IN_REDIRECT}, path_values=review_id,
        form={f"started_on-{part}": str(getattr(Policy().local_date(utcnow()), part))
              for part in ("day", "month", "year")}),
    ("GET", "/reviews/<uuid:review_id>/links"): Route(
        {**reviewers_only(200), ANONYMOUS: SIGN_IN_REDIRECT}, path_values=review_id),
    ("POST", "/reviews/<uuid:review_id>/links"): Route(
        {**reviewers_only(303), ANONYMOUS: SIGN_IN_REDIRECT}, path_values=review_id, form={}),
    ("GET", "/reviews/<uuid:review_id>/actions/new"): Route(
        {**reviewers_only(200), ANONYMOUS: SIGN_IN_REDIRECT}, path_values=review_id),
    # An action with nothing typed: shown again to the reviewers, 422.
    ("POST", "/reviews/<uuid:review_id>/actions"): Route(
        {**reviewers_only(422), ANONYMOUS: SIGN_IN_REDIRECT}, path_values=review_id, form={}),
    ("GET", "/reviews/<uuid:review_id>/actions/<uuid:action_id>"): Route(
        {**reviewers_only(200), ANONYMOUS: SIGN_IN_REDIRECT},
        path_values=lambda w: {"review_id": w.review_id, "action_id": w.review_action_id}),
    ("GET", "/reviews/actions"): Route({
        **case_workers(200), "ig": 200, "admin": 403, "auditor": 403, ANONYMOUS: SIGN_IN_REDIRECT}),
    ("GET", "/reviews/actions/<uuid:action_id>"): Route(
        {**reviewers_only(200), "practitioner": 404, "ig": 404, ANONYMOUS: SIGN_IN_REDIRECT},
        path_values=lambda w: {"action_id": w.review_action_id}),
    ("POST", "/reviews/actions/<uuid:action_id>"): Route(
        {**reviewers_only(303), "practitioner": 404, "ig": 404, ANONYMOUS: SIGN_IN_REDIRECT},
        path_values=lambda w: {"action_id": w.review_action_id},
        form={"status": "done", "evidence": "Briefing given to the team"}),
    ("POST", "/reviews/<uuid:review_id>/actions/<uuid:action_id>"): Route(
        {**reviewers_only(303), ANONYMOUS: SIGN_IN_REDIRECT},
        path_values=lambda w: {"review_id": w.review_id, "action_id": w.review_action_id},
        form={"status": "done", "evidence": "Briefing given to the team"}),
    # --- concerns: pages (concerns/*_views.py), refused as the API refuses ---
    ("GET", "/concerns/new"): Route({**case_workers(200), "ig": 403, "admin": 403, "auditor": 403,
                                     ANONYMOUS: SIGN_IN_REDIRECT}),
    ("POST", "/concerns/new"): Route({**case_workers(200), "ig": 403, "admin": 403, "auditor": 403,
                                      ANONYMOUS: SIGN_IN_REDIRECT}, form=PAGE_CONCERN),
    ("POST", "/concerns/check"): Route({**case_workers(200), "ig": 403, "admin": 403, "auditor": 403,
                                        ANONYMOUS: SIGN_IN_REDIRECT}, form=PAGE_CONCERN),
    ("POST", "/concerns"): Route({**case_workers(303), "ig": 403, "admin": 403, "auditor": 403,
                                  ANONYMOUS: SIGN_IN_REDIRECT}, form=PAGE_CONCERN),
    ("GET", "/concerns"): Route({**case_workers(200), "ig": 403, "admin": 403, "auditor": 403,
                                 ANONYMOUS: SIGN_IN_REDIRECT}),
    ("GET", "/concerns/<uuid:concern_id>"): Route({
        "practitioner": 404, "manager": 404, "lead": lead_agency_only_sees(200), "ig": 403, "admin": 403,
        "auditor": 403, ANONYMOUS: SIGN_IN_REDIRECT}, path_values=lambda w: {"concern_id": w.concern_id}),
    # The confirmation is for the person who raised it only: nobody else's.
    ("GET", "/concerns/<uuid:concern_id>/raised"): Route({
        **case_workers(404), "ig": 403, "admin": 403, "auditor": 403, ANONYMOUS: SIGN_IN_REDIRECT},
        path_values=lambda w: {"concern_id": w.concern_id}),
    ("POST", "/concerns/<uuid:concern_id>/triage"): Route({
        "practitioner": 404, "manager": 404, "lead": lead_agency_only_sees(303), "ig": 403, "admin": 403,
        "auditor": 403, ANONYMOUS: SIGN_IN_REDIRECT}, path_values=lambda w: {"concern_id": w.concern_id},
        form={"outcome": "advice_given", "rationale": "Advice on a carer's assessment"}),
    ("POST", "/cases/<uuid:case_id>/observation-plan"): Route({
        **case_workers(members_see(303)), "ig": 404, "admin": 404, "auditor": 404,
        ANONYMOUS: SIGN_IN_REDIRECT}, path_values=case_id, form={"daily": "yes"}),
    ("GET", "/cases/<uuid:case_id>/observations/new"): Route({
        **case_workers(members_see(200)), "ig": 404, "admin": 404, "auditor": 404,
        ANONYMOUS: SIGN_IN_REDIRECT}, path_values=case_id),
    ("POST", "/cases/<uuid:case_id>/observations/new"): Route({
        **case_workers({LEAD_MEMBER: 303, MEMBER: 409, NON_MEMBER: 404, REMOVED: 404}), "ig": 404,
        "admin": 404, "auditor": 404, ANONYMOUS: SIGN_IN_REDIRECT}, path_values=case_id,
        form={"scores.mood": "1", "note": "Settled"}),
    ("GET", "/cases/<uuid:case_id>/observations/<uuid:observation_id>/recorded"): Route({
        **case_workers(404), "ig": 404, "admin": 404, "auditor": 404, ANONYMOUS: SIGN_IN_REDIRECT},
        path_values=lambda w: {"case_id": w.case.id, "observation_id": uuid.uuid5(w.case.id, "observed")}),
    ("GET", "/cases/<uuid:case_id>/observations"): Route({
        **case_workers(members_see(200)), "ig": 404, "admin": 404, "auditor": 404,
        ANONYMOUS: SIGN_IN_REDIRECT}, path_values=case_id),
    ("GET", "/alerts"): Route({"practitioner": 403, "manager": 200, "lead": 200, "ig": 403, "admin": 403,
                               "auditor": 403, ANONYMOUS: SIGN_IN_REDIRECT}),
    ("GET", "/alerts/<uuid:alert_id>"): Route({
        "practitioner": 403, "manager": lead_agency_only_sees(200), "lead": lead_agency_only_sees(200),
        "ig": 403, "admin": 403, "auditor": 403, ANONYMOUS: SIGN_IN_REDIRECT},
        path_values=lambda w: {"alert_id": w.alert_id}),
    ("POST", "/alerts/<uuid:alert_id>/acknowledge"): Route({
        "practitioner": 403, "manager": lead_agency_only_sees(303), "lead": lead_agency_only_sees(303),
        "ig": 403, "admin": 403, "auditor": 403, ANONYMOUS: SIGN_IN_REDIRECT},
        path_values=lambda w: {"alert_id": w.alert_id},
        form={"action_taken": "contact_person", "note": "Phoned her"}),
    # Anyone signed in sees who their agency's named leads are; a lead names deputies.
    ("GET", "/agency/leads"): Route(everyone(200, anonymous=SIGN_IN_REDIRECT)),
    ("POST", "/agency/leads/deputies"): Route({**dict.fromkeys(ROLES, 403), "lead": 422,
                                                ANONYMOUS: SIGN_IN_REDIRECT}, form={}),
    ("POST", "/agency/leads/deputies/<uuid:deputy_id>/end"): Route({
        **dict.fromkeys(ROLES, 403), "lead": 404, ANONYMOUS: SIGN_IN_REDIRECT},
        path_values=lambda w: {"deputy_id": uuid.uuid5(w.case.id, "deputy")}, form={}),
    # --- concerns: supervision pages (concerns/supervision_views.py), refused as the API refuses ---
    # Each member agency allocates the case to one of its own (here, to no one), from the case page.
    ("POST", "/cases/<uuid:case_id>/allocation"): Route({
        **case_workers(members_see(303)), "ig": 404, "admin": 404, "auditor": 404,
        ANONYMOUS: SIGN_IN_REDIRECT}, path_values=case_id, form={"allocate_to": ""}),
    # What is due, and the session's form, for any agency's managers and leads (their own people).
    ("GET", "/supervision"): Route({
        "practitioner": 403, "manager": 200, "lead": 200, "ig": 403, "admin": 403, "auditor": 403,
        ANONYMOUS: SIGN_IN_REDIRECT}),
    ("GET", "/supervision/new"): Route({
        "practitioner": 403, "manager": 200, "lead": 200, "ig": 403, "admin": 403, "auditor": 403,
        ANONYMOUS: SIGN_IN_REDIRECT}),
    ("POST", "/supervision/new"): Route({
        "practitioner": 403, "manager": 200, "lead": 200, "ig": 403, "admin": 403, "auditor": 403,
        ANONYMOUS: SIGN_IN_REDIRECT}, form={}),
    # An empty session (nobody, no case): shown again to any agency's managers and leads, 422.
    ("POST", "/supervision/check"): Route({
        "practitioner": 403, "manager": 422, "lead": 422, "ig": 403, "admin": 403, "auditor": 403,
        ANONYMOUS: SIGN_IN_REDIRECT}, form={}),
    ("POST", "/supervision"): Route({
        "practitioner": 403, "manager": 422, "lead": 422, "ig": 403, "admin": 403, "auditor": 403,
        ANONYMOUS: SIGN_IN_REDIRECT}, form={}),
    # The confirmation is for the supervisor who recorded the session only: nobody else's.
    ("GET", "/supervision/<uuid:session_id>/recorded"): Route({
        "practitioner": 403, "manager": 404, "lead": 404, "ig": 403, "admin": 403, "auditor": 403,
        ANONYMOUS: SIGN_IN_REDIRECT},
        path_values=lambda w: {"session_id": uuid.uuid5(w.case.id, "supervision")}),
    # Figures only: the roles holding the report permission, whatever their agency.
    ("GET", "/reports/disclosures"): Route(REPORT_READERS),
    ("GET", "/reports/disclosures.csv"): Route(REPORT_READERS),
}


# --- the routes the application really has ------------------------------------------------------

def _application_for_inspection() -> Flask:
    """An app built only to read its url_map (no database is touched)."""
    settings = Settings(database_url="sqlite://", secret_key="inspection-only", keyring_path=None,
                        base_url="http://127.0.0.1:5000", policy=Policy())
    return create_app(settings, keyring=Keyring.generate())


def registered_routes(app: Flask) -> dict[tuple[str, str], str]:
    """(method, rule) -> endpoint for every route, without the HEAD/OPTIONS Flask adds itself."""
    routes = {}
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            routes[(method, rule.rule)] = rule.endpoint
    return routes


ROUTES = registered_routes(_application_for_inspection())
# A signed-in person calls with a bearer token (partner systems) or a browser session (people);
# the policy must not depend on which.
CREDENTIALS = ("bearer", "session")
MATRIX = [
    pytest.param(key, role, relation, credential,
                 id=f"{key[0]} {key[1]} | {role} | {relation} | {credential}")
    for key in sorted(set(ROUTES) | set(EXPECTED))
    for role in (*ROLES, ANONYMOUS)
    for relation in (RELATIONS if role != ANONYMOUS else ("-",))
    for credential in (CREDENTIALS if role != ANONYMOUS else ("none",))
]


def test_every_route_declares_a_permission(app):
    undeclared = sorted(
        f"{rule.rule} ({rule.endpoint})" for rule in app.url_map.iter_rules()
        if declared_permission(app.view_functions[rule.endpoint]) is None
    )
    assert not undeclared, (
        "These routes declare no permission; decorate each with hub.access.requires(...) "
        f"(or declare it with hub.api.endpoints.endpoint): {undeclared}"
    )


def test_a_view_without_a_declared_permission_is_refused(settings, database, keyring):
    """Deny by default: even if the test above were skipped, the request hook refuses the view."""
    app = app_for(settings, database, keyring)  # its own: the module's has served requests
    app.add_url_rule("/forgotten", endpoint="forgotten", view_func=lambda: "secret")
    response = app.test_client().get("/forgotten")
    assert response.status_code == 404
    assert b"secret" not in response.data


def test_every_route_has_an_entry_in_the_expectation_table():
    missing = sorted(set(ROUTES) - set(EXPECTED))
    stale = sorted(set(EXPECTED) - set(ROUTES))
    assert not missing, (
        f"Routes without an entry in EXPECTED in {__file__.rsplit('/', 2)[-1]}: {missing}. "
        "Add one per route saying which status each role gets as lead member, member, non-member "
        "and removed member (and a valid body if the route takes one)."
    )
    assert not stale, f"EXPECTED lists routes the application no longer has: {stale}"


@pytest.fixture(scope="module")
def provider() -> Iterator[HandRolledProvider]:
    started = HandRolledProvider("127.0.0.1", "hub", PROVIDER_SECRET).start()
    yield started
    started.stop()


def provider_config(name: str, issuer: str, agency: str = "POL-MX") -> ProviderConfig:
    return ProviderConfig(name=name, title="Northshire Police", issuer=issuer, client_id="hub",
                          client_secret_env="HUB_TEST_MATRIX_SECRET", agencies=(agency,))


# The world is built once for the module, inside a transaction on one connection that is rolled
# back when the module ends; each test runs in a savepoint of its own on that connection, rolled
# back after it, so what one test writes (a member added, a review recorded) no other test sees.
# The application is built once too, as a running hub is: only the database rows differ per test.

@pytest.fixture(scope="module")
def module_connection(engine: Engine) -> Iterator[Connection]:
    connection = engine.connect()
    outer = connection.begin()
    yield connection
    if outer.is_active:
        outer.rollback()
    connection.close()


@pytest.fixture(scope="module")
def module_database(module_connection: Connection, engine: Engine, database_url: str) -> Database:
    database = Database(database_url, engine=engine)
    database.bind_to_connection(module_connection)
    return database


@pytest.fixture(name="db_connection")
def savepoint_per_test(module_connection: Connection, world: World) -> Iterator[Connection]:
    savepoint = module_connection.begin_nested()
    yield module_connection
    if savepoint.is_active:
        savepoint.rollback()


@pytest.fixture(name="database")
def module_database_per_test(module_database: Database, db_connection: Connection) -> Database:
    return module_database


@pytest.fixture(scope="module", name="settings")
def settings_with_a_provider(database_url: str, provider: HandRolledProvider) -> Iterator[Settings]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HUB_TEST_MATRIX_SECRET", PROVIDER_SECRET)
        # `gone` stands for a provider that is down: nothing listens on its port.
        gone = provider_config("gone", f"http://127.0.0.1:{free_port()}")
        yield replace(settings_for(database_url),
                      providers=(provider_config(PROVIDER, provider.issuer), gone))


@pytest.fixture(scope="module", name="app")
def module_app(settings: Settings, module_database: Database, keyring: Keyring) -> Flask:
    return app_for(settings, module_database, keyring)


@pytest.fixture(scope="module")
def world(module_database: Database, keyring: Keyring, provider: HandRolledProvider) -> World:
    session = module_database.session()
    make = Factory(session, Envelope(keyring))
    lead, member, removed, outsider = (make.agency() for _ in range(4))
    creator = make.user(lead)
    consent = ConsentFactory(make)
    agreement = consent.agreement(lead, member, removed)
    case = make.case(creator, members=(member, removed), name=SUBJECT_NAME)
    case_services.remove_member(session, Actor(creator, "test"), case.id, removed.code, now=utcnow())
    session.commit()
    record = consent.consent(creator, case)
    decision = consent.decision(creator, case, recipients=(outsider.code,))
    risk = risk_services.record_summary(
        session, Actor(creator, "test"), case.id, RiskSummaryIn(level="high", risk_to="Herself"),
        envelope=make.envelope, now=utcnow(), today=utcnow().date())
    action = action_services.create_action(
        session, Actor(creator, "test"), case.id, title="Matrix action", agency_code=member.code,
        due=utcnow().date() + timedelta(days=7), envelope=make.envelope, now=utcnow(),
        today=utcnow().date())
    second = action_services.create_action(
        session, Actor(creator, "test"), case.id, title="Second matrix action", agency_code=member.code,
        due=utcnow().date() + timedelta(days=7), envelope=make.envelope, now=utcnow(),
        today=utcnow().date())
    challenge = challenge_services.raise_challenge(
        session, Actor(creator, "test"), action.id, concern="Not started", evidence="",
        immediate_risk=False, envelope=make.envelope, policy=Policy(), now=utcnow())
    meeting = meeting_services.convene(
        session, Actor(creator, "test"), _meeting_body(case.id), envelope=make.envelope,
        policy=Policy(), now=utcnow(), uid_domain="hub.test",
        mailing=meeting_services.Mailing("hub@hub.test", "http://hub.test"))
    # Its minutes, written and issued as though the meeting had been held (version 1).
    held = meeting.start + timedelta(hours=2)
    minutes_services.write_minutes(session, Actor(creator, "test"), meeting.id,
                                   MinutesIn("Matrix minutes"), envelope=make.envelope, now=held,
                                   today=held.date())
    minutes_services.issue_minutes(session, Actor(creator, "test"), meeting.id, envelope=make.envelope,
                                   policy=Policy(), now=held)
    concern = concern_services.raise_concern(session, Actor(creator, "test"), ConcernIn(
        case_id=case.id, subject_name="", subject_date_of_birth=None, categories=("neglect_omission",),
        account="Matrix account", opinion="", immediate_risk=False, immediate_action="", views="",
        desired_outcomes="", person_aware=True, consent_status="obtained"),
        envelope=make.envelope, policy=Policy(), now=utcnow())
    observation_services.set_daily_observation(session, Actor(creator, "test"), case.id, agreed=True,
                                               policy=Policy(), now=utcnow())
    observed = observation_services.record_observation(
        session, Actor(creator, "test"), case.id, ObservationIn({"mood": 3}, "", utcnow()),
        envelope=make.envelope, policy=Policy(), now=utcnow())
    review, review_action = _reviewed_near_miss(make, creator, case, member)
    session.commit()
    session.close()
    return World(case, lead, member, removed, outsider, provider.issuer, record.id, decision.id,
                 agreement.id, risk.info.version, action.id, challenge.id, second.id, meeting.id,
                 concern.line.id, observed.alerts[0].id, creator.id, review, review_action)


def _reviewed_near_miss(make: Factory, creator: Any, case: Case,
                        member: Agency) -> tuple[uuid.UUID, uuid.UUID]:
    session, services = make.session, {"envelope": make.envelope, "policy": Policy(), "now": utcnow()}
    today = Policy().local_date(utcnow())
    raised = review_services.raise_review(session, Actor(creator, "test"), ReviewIn(
        kind="near_miss", summary="Matrix near miss", account="Matrix account", occurred_on=today,
        agencies=(member.code,), case_refs=(case.ref,)), **services)
    reviewer = Actor(make.user(creator.agency, "lead"), "test")
    review_services.record_structured_review(session, reviewer, raised.line.id, StructuredReviewIn(
        timeline=(TimelineEntry(today, "Matrix"),), factors=("communication",), tags=(), went_well="",
        findings="Matrix findings", recommendations=""), **services)
    planned = review_actions.add_action(session, reviewer, raised.line.id, title="Matrix review action",
                                        agency_code=creator.agency.code, owner_role="manager",
                                        due=today + timedelta(days=14), **services)
    return raised.line.id, planned.id


def _meeting_body(case_id: uuid.UUID) -> MeetingIn:
    start = utcnow() + timedelta(days=3)
    return MeetingIn(kind="strategy", title="Matrix strategy meeting", start=start,
                     end=start + timedelta(hours=1), location="Room 1", case_ids=(case_id,),
                     decided_at=utcnow() - timedelta(hours=1))


def _url(rule: str, values: dict[str, Any]) -> str:
    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in values, f"the EXPECTED entry for {rule} must give a value for <{name}>"
        return str(values[name])

    return re.sub(r"<(?:[a-z]+:)?(\w+)>", substitute, rule)


@pytest.mark.parametrize(("key", "role", "relation", "credential"), MATRIX)
def test_access_matrix(key, role, relation, credential, app: Flask, client: FlaskClient, make: Factory,
                       world: World, session: Session):
    method, rule = key
    assert key in ROUTES, f"EXPECTED lists {method} {rule}, which the application does not have"
    assert key in EXPECTED, (
        f"{method} {rule} has no entry in EXPECTED in tests/test_access_matrix.py: add one giving "
        "the status each role gets as lead member, member, non-member and removed member"
    )
    route = EXPECTED[key]
    headers = dict(route.headers)
    if role != ANONYMOUS:
        caller = make.user(world.agency_for(relation), role)
        if credential == "bearer":
            headers["Authorization"] = f"Bearer {make.token(caller)}"
        else:
            sign_in(client, session, caller)  # a fresh session: recent sign-in is satisfied
            if method not in ("GET", "HEAD"):
                headers[CSRF_HEADER] = client.get("/api/v1/me").headers[CSRF_HEADER]
    url = _url(rule, route.path_values(world))
    kwargs: dict[str, Any] = {"headers": headers, "query_string": route.query(world)}
    if route.body is not None:
        kwargs["json"] = route.body(world)
    if route.form is not None:
        kwargs["data"] = route.form

    before = take_snapshot(session)
    response = client.open(url, method=method, **kwargs)
    text = response.get_data(as_text=True)
    response.close()  # static files are streamed from an open file

    expected = route.expected(role, relation)
    assert response.status_code == expected, (
        f"{role} ({relation}) got {response.status_code} from {method} {url}, expected {expected}: "
        f"{text[:300]}"
    )
    location = response.headers.get("Location", "")
    if expected == 302:
        assert location.startswith(route.redirect_to(world, credential)), location
    if rule.startswith("/api/") and expected >= 400:
        assert response.mimetype == "application/problem+json"
        assert response.json["status"] == expected
    if expected == 401:
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    if expected >= 400 or role in ("admin", "auditor"):
        # Refusals and the content-blind roles never see who the case is about.
        assert SUBJECT_NAME not in text
    if expected >= 400 or (role == ANONYMOUS and location.startswith("/sign-in")):
        view = app.view_functions[ROUTES[key]]
        counters = ATTEMPT_COUNTERS if getattr(view, RATE_LIMIT_ATTR, None) else frozenset()
        audited = assert_nothing_written(session, before, counters=counters)
        if expected in (403, 404) or (expected == 400 and route.refusal_audit != "access.denied"):
            assert route.refusal_audit in [e["action"] for e in audited], (
                f"{role} ({relation}) was refused {method} {url} with {expected}, but no "
                f"{route.refusal_audit} was audited: {audited}")
        if route.refused_by_membership(role, relation):
            assert {"object_type": "case", "object_id": str(world.case.id)} in [
                {"object_type": e["object_type"], "object_id": e["object_id"]}
                for e in audited if e["action"] == "access.denied"
            ], f"a refused case-scoped request must audit access.denied naming the case: {audited}"


def test_admin_and_auditor_dashboards_list_no_cases(client, make, world):
    for role in (Role.ADMIN, Role.AUDITOR):
        person = make.user(world.lead, role)
        page = client.get("/", headers=make.headers(person))
        assert page.status_code == 200
        assert world.case.ref not in page.get_data(as_text=True)
    practitioner = make.user(world.lead)
    page = client.get("/", headers=make.headers(practitioner))
    assert world.case.ref in page.get_data(as_text=True)


def test_a_case_that_does_not_exist_looks_exactly_like_one_you_may_not_see(client, make, world):
    outsider = make.user(world.outsider)
    headers = make.headers(outsider)
    hidden = client.get(f"/api/v1/cases/{world.case.id}", headers=headers)
    absent = client.get(f"/api/v1/cases/{uuid.uuid4()}", headers=headers)
    assert hidden.status_code == absent.status_code == 404

    def comparable(body: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in body.items() if k != "request_id"}

    assert comparable(hidden.json) == comparable(absent.json)


def test_the_table_names_a_status_for_every_role_there_is():
    for key, route in EXPECTED.items():
        assert set(route.statuses) == {*ROLES, ANONYMOUS}, f"{key}: roles without a status"


def test_signing_in_through_a_provider_that_is_down_answers_503_and_writes_only_its_audit(
        client: FlaskClient, session: Session, world: World):
    before = take_snapshot(session)
    response = client.get("/auth/gone/login")
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    [event] = assert_nothing_written(session, before, counters=ATTEMPT_COUNTERS)
    assert (event["action"], event["outcome"], event["reason"]) == (
        "signin.unavailable", "failed", "discovery_unreachable")
