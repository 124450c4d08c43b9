"""JSON endpoints of the meetings package (DESIGN.md §4): convening a meeting against the law's
clocks, reading one, and its invitation as iCalendar."""

from __future__ import annotations

import uuid
from dataclasses import asdict, replace

from flask import Response

from hub import context
from hub.access import Permission
from hub.api.blueprint import api_blueprint
from hub.api.endpoints import endpoint
from hub.api.paging import envelope
from hub.errors import NotFound
from hub.web.refusals import audited_refusal
from meetings import rules
from meetings.calendar import invitation
from meetings.rules import CANCELLED, CONFIDENTIALITY_STATEMENT, DecisionIn, MinutesIn
from meetings.schemas import (
    AgendaOut,
    AttendanceIn,
    CalendarFeedOut,
    CarriedList,
    CarriedMark,
    CarriedOut,
    CarriedQuery,
    ListingIn,
    ListingOut,
    MappaIn,
    MappaOut,
    MeetingChange,
    MeetingCreate,
    MeetingCreated,
    MeetingDetail,
    MeetingList,
    MeetingOut,
    MeetingQuery,
    MinutesCreate,
    MinutesList,
    MinutesOut,
    MinutesQuery,
    MinutesVersionOut,
    QueueEntryOut,
    QueueOut,
    QueueQuery,
    ReferralOut,
    RegisterOut,
    ResearchIn,
    ResearchOut,
)
from meetings.schemas import ReferralIn as ReferralSchema
from meetings.services.carried import CarriedAction, carried_over, mark_carried_over
from meetings.services.feeds import feed_url, revoke_feed
from meetings.services.mappa import MappaView, get_mappa, set_mappa
from meetings.services.marac import agenda, coordinator_queue, list_case, record_referral, record_research
from meetings.services.meetings import (
    MeetingView,
    cancel_meeting,
    change_meeting,
    convene,
    get_meeting,
    my_meetings,
)
from meetings.services.minutes import (
    ActionIn,
    MinutesView,
    issue_minutes,
    list_minutes,
    read_minutes,
    write_minutes,
)
from meetings.services.register import Register, acknowledge, record_attendance, register_of
from meetings.web import mailing, uid_domain

api = api_blueprint("meetings", __name__)


def meeting_out(found: MeetingView) -> dict:
    out = asdict(replace(found, overrides=()))
    out["cases"] = [{"id": case_id, "ref": ref} for case_id, ref in found.cases]
    return MeetingOut.model_validate(out).model_dump(mode="json")


def register_out(found: Register) -> dict:
    return RegisterOut.model_validate(asdict(found)).model_dump(mode="json")


@endpoint(api, "POST", "/meetings",
          summary="Convene a meeting about cases of your agency, against the statutory clock",
          permission=Permission.MEETING_CONVENE, body=MeetingCreate, response=MeetingCreated, status=201,
          extra_responses={404: "A case that does not exist or is not your agency's",
                           422: "What is wrong, keyed by field"})
def create_meeting(body: MeetingCreate) -> tuple[dict, int]:
    state = context.state()
    found = convene(context.db(), context.actor(), rules.MeetingIn(
        kind=body.kind, title=body.title, start=body.start, end=body.end, location=body.location,
        case_ids=tuple(body.case_ids),
        invitees=tuple(rules.InviteeIn(i.email, i.name, i.agency) for i in body.invitees),
        rrule=body.rrule, decided_at=body.decided_at, late_reason=body.late_reason,
        capacity=body.capacity),
        envelope=state.envelope, policy=state.settings.policy, now=context.now(), uid_domain=uid_domain(),
        mailing=mailing())
    return MeetingCreated(id=found.id, uid=found.uid, sequence=found.sequence,
                          target_date=found.target_date, late=found.late).model_dump(mode="json"), 201


@endpoint(api, "GET", "/meetings",
          summary="My meetings: those I convened or am invited to, soonest first, over at most a year "
                  "(audited)",
          permission=Permission.MEETING_READ, query=MeetingQuery, response=MeetingList,
          extra_responses={422: "A period that ends before it starts, or longer than a year"})
def list_meetings(query: MeetingQuery) -> dict:
    state = context.state()
    found = my_meetings(context.db(), context.actor(), start=query.start, end=query.end,
                        envelope=state.envelope, policy=state.settings.policy, now=context.now(),
                        limit=query.limit + 1, offset=query.offset)
    return envelope("meetings", found, meeting_out, limit=query.limit, offset=query.offset)


@endpoint(api, "GET", "/meetings/<uuid:meeting_id>",
          summary="One meeting: its clock, cases, the people invited, the attendance register and "
                  "who has acknowledged the confidentiality statement (audited)",
          permission=Permission.MEETING_READ, response=MeetingDetail,
          extra_responses={404: "No such meeting, or not one of yours"})
def read_meeting(meeting_id: uuid.UUID) -> dict:
    state = context.state()
    db, actor = context.db(), context.actor()
    found = get_meeting(db, actor, meeting_id, envelope=state.envelope, policy=state.settings.policy,
                        now=context.now())
    return {**meeting_out(found), **register_out(register_of(db, actor, meeting_id)),
            "confidentiality_statement": CONFIDENTIALITY_STATEMENT}


@endpoint(api, "POST", "/meetings/<uuid:meeting_id>/attendance",
          summary="Record an agency's attendance (the convening agency): attended, apology, "
                  "no_response or information_sent; a later entry replaces the earlier (audited)",
          permission=Permission.MEETING_CONVENE, body=AttendanceIn, response=RegisterOut,
          extra_responses={403: "Another agency convened it", 404: "No such meeting, or not one of yours",
                           409: "Cancelled", 422: "What is wrong, keyed by field"})
def attendance(meeting_id: uuid.UUID, body: AttendanceIn) -> dict:
    return register_out(record_attendance(context.db(), context.actor(), meeting_id, agency=body.agency,
                                          status=body.status, now=context.now()))


@endpoint(api, "POST", "/meetings/<uuid:meeting_id>/acknowledgements",
          summary="The caller acknowledges the meeting's confidentiality statement: 201 the first "
                  "time, 200 after (nothing changes); until then the meeting's page hides its cases",
          permission=Permission.MEETING_READ, response=RegisterOut, status=201,
          extra_responses={200: "Already acknowledged", 404: "No such meeting, or not one of yours",
                           409: "Cancelled"})
def acknowledgements(meeting_id: uuid.UUID) -> tuple[dict, int]:
    found, recorded = acknowledge(context.db(), context.actor(), meeting_id, now=context.now())
    return register_out(found), 201 if recorded else 200


@endpoint(api, "PATCH", "/meetings/<uuid:meeting_id>",
          summary="Move the meeting or change its place (the convening agency); SEQUENCE goes up",
          permission=Permission.MEETING_CONVENE, body=MeetingChange, response=MeetingOut,
          extra_responses={403: "Another agency convened it", 404: "No such meeting, or not one of yours",
                           409: "Cancelled, or already started (a series: its first meeting)",
                           422: "What is wrong, keyed by field"})
def change(meeting_id: uuid.UUID, body: MeetingChange) -> dict:
    state = context.state()
    return meeting_out(change_meeting(
        context.db(), context.actor(), meeting_id, start=body.start, end=body.end,
        location=body.location, envelope=state.envelope, policy=state.settings.policy, now=context.now(),
        mailing=mailing()))


@endpoint(api, "POST", "/meetings/<uuid:meeting_id>/cancel",
          summary="Cancel (the convening agency): the invitation becomes METHOD CANCEL, same UID, "
                  "higher SEQUENCE",
          permission=Permission.MEETING_CONVENE, response=MeetingOut,
          extra_responses={403: "Another agency convened it", 404: "No such meeting, or not one of yours",
                           409: "Already cancelled, or already started (a series: its first meeting)"})
def cancel(meeting_id: uuid.UUID) -> dict:
    state = context.state()
    return meeting_out(cancel_meeting(context.db(), context.actor(), meeting_id, envelope=state.envelope,
                                      policy=state.settings.policy, now=context.now(), mailing=mailing()))


CALENDAR = "text/calendar"


@endpoint(api, "GET", "/meetings/<uuid:meeting_id>/invite.ics",
          summary="The meeting's invitation (text/calendar): METHOD REQUEST or CANCEL, a stable UID, "
                  "its SEQUENCE and VTIMEZONE; case references and a link, no personal data (audited)",
          permission=Permission.MEETING_READ, media_types=(CALENDAR,),
          extra_responses={404: "No such meeting, or not one of yours"})
def meeting_invitation(meeting_id: uuid.UUID) -> Response:
    state = context.state()
    found = get_meeting(context.db(), context.actor(), meeting_id, envelope=state.envelope,
                        policy=state.settings.policy, now=context.now())
    body = invitation(found, organiser=state.settings.smtp.sender, base_url=state.settings.base_url,
                      policy=state.settings.policy, now=context.now())
    method = "CANCEL" if found.status == CANCELLED else "REQUEST"
    return Response(body, mimetype=CALENDAR, content_type=f"{CALENDAR}; charset=utf-8; method={method}",
                    headers={"Content-Disposition": f'attachment; filename="meeting-{found.id}.ics"'})


@endpoint(api, "GET", "/me/calendar-feed",
          summary="Your private calendar feed's URL, to subscribe to in a calendar program: your "
                  "meetings with case references, no personal data (made on first request; audited)",
          permission=Permission.MEETING_READ, response=CalendarFeedOut)
def calendar_feed() -> dict:
    settings = context.state().settings
    assert settings.secret_key is not None
    return {"url": feed_url(context.db(), context.actor(), secret=settings.secret_key,
                            base_url=settings.base_url, now=context.now())}


@endpoint(api, "DELETE", "/me/calendar-feed",
          summary="Revoke your calendar feed: its URL stops working for good; asking again gives a "
                  "new one (audited; 204 whether or not there was one)",
          permission=Permission.MEETING_READ, status=204)
def revoke_calendar_feed() -> tuple[str, int]:
    revoke_feed(context.db(), context.actor(), now=context.now())
    return "", 204


def mappa_out(found: MappaView) -> dict:
    return MappaOut.model_validate(asdict(found)).model_dump(mode="json")


@endpoint(api, "PUT", "/cases/<uuid:case_id>/mappa",
          summary="Set a MAPPA case's category and level (its lead agency); the next review is 16 "
                  "weeks on at level 2, 8 at level 3, from policy (audited)",
          permission=Permission.MAPPA_MANAGE, body=MappaIn, response=MappaOut,
          extra_responses={403: "Another member agency", 404: "No such case, or not your agency's",
                           409: "Not a MAPPA case", 422: "What is wrong, keyed by field"})
def put_mappa(case_id: uuid.UUID, body: MappaIn) -> dict:
    return mappa_out(set_mappa(context.db(), context.actor(), case_id, category=body.category,
                               level=body.level, policy=context.state().settings.policy, now=context.now()))


@endpoint(api, "GET", "/cases/<uuid:case_id>/mappa",
          summary="A MAPPA case's category, level and next review, with any review-due alert (audited)",
          permission=Permission.CASE_READ, response=MappaOut,
          extra_responses={404: "No such case, not your agency's, or no level set yet",
                           409: "Not a MAPPA case"})
def read_mappa(case_id: uuid.UUID) -> dict:
    found = get_mappa(context.db(), context.actor(), case_id, now=context.now())
    if found is None:
        raise NotFound("No MAPPA category and level have been set for this case")
    return mappa_out(found)


def minutes_out(found: MinutesView) -> dict:
    return MinutesOut.model_validate(asdict(found)).model_dump(mode="json")


@endpoint(api, "POST", "/meetings/<uuid:meeting_id>/minutes",
          summary="Save a new version of the minutes (the convening agency, once the meeting has "
                  "started): decisions with rationale and dissent, and actions agreed, which go into "
                  "the tracker; encrypted, OFFICIAL-SENSITIVE (audited)",
          permission=Permission.MEETING_CONVENE, body=MinutesCreate, response=MinutesOut, status=201,
          extra_responses={403: "Another agency convened it", 404: "No such meeting, or not one of yours",
                           409: "Cancelled, or not yet started", 422: "What is wrong, keyed by field"})
def create_minutes(meeting_id: uuid.UUID, body: MinutesCreate) -> tuple[dict, int]:
    found = write_minutes(
        context.db(), context.actor(), meeting_id,
        MinutesIn(body.summary,
                  tuple(DecisionIn(d.decision, d.rationale, d.dissent) for d in body.decisions)),
        actions=tuple(ActionIn(a.case_id, a.title, a.agency, a.due) for a in body.actions),
        envelope=context.state().envelope, now=context.now(), today=context.today())
    return minutes_out(found), 201


@endpoint(api, "POST", "/meetings/<uuid:meeting_id>/minutes/issue",
          summary="Issue the latest version of the minutes (the chair's agency); those invited are told "
                  "(audited)",
          permission=Permission.MEETING_CONVENE, response=MinutesVersionOut,
          extra_responses={403: "Another agency convened it", 404: "No such meeting, or not one of yours",
                           409: "No minutes, already issued, an action carried over still to mark, "
                                "or cancelled"})
def issue(meeting_id: uuid.UUID) -> dict:
    found = issue_minutes(context.db(), context.actor(), meeting_id, envelope=context.state().envelope,
                          policy=context.state().settings.policy, now=context.now())
    return MinutesVersionOut.model_validate(asdict(found)).model_dump(mode="json")


def carried_out(line: CarriedAction) -> dict:
    return CarriedOut.model_validate({**asdict(line), "agency": line.agency_code}).model_dump(mode="json")


@endpoint(api, "GET", "/meetings/<uuid:meeting_id>/carried-over",
          summary="The actions carried over to the meeting still to be marked: open actions on its cases "
                  "set before it and due by its day (titles for the members of each case; audited)",
          permission=Permission.MEETING_READ, query=CarriedQuery, response=CarriedList,
          extra_responses={404: "No such meeting, or not one of yours"})
def carried_over_actions(meeting_id: uuid.UUID, query: CarriedQuery) -> dict:
    state = context.state()
    found = carried_over(context.db(), context.actor(), meeting_id, envelope=state.envelope,
                         policy=state.settings.policy, now=context.now())
    return envelope("actions", found[query.offset:query.offset + query.limit + 1], carried_out,
                    limit=query.limit, offset=query.offset)


@endpoint(api, "POST", "/meetings/<uuid:meeting_id>/carried-over/<uuid:action_id>",
          summary="Mark an action carried over to the meeting (the chair's agency, once the meeting has "
                  "started): not possible as circumstances changed, or not done by the agency, which "
                  "escalates; kept in the action's history (audited)",
          permission=Permission.MEETING_CONVENE, body=CarriedMark, response=CarriedOut,
          extra_responses={403: "Another agency convened it",
                           404: "No such meeting, or no such action carried over to it",
                           409: "The meeting has not started, or it was cancelled",
                           422: "What is wrong, keyed by field"})
def mark_carried(meeting_id: uuid.UUID, action_id: uuid.UUID, body: CarriedMark) -> dict:
    state = context.state()
    with audited_refusal("action", action_id):
        marked = mark_carried_over(context.db(), context.actor(), meeting_id, action_id, status=body.status,
                                   note=body.note, envelope=state.envelope, policy=state.settings.policy,
                                   now=context.now())
    return carried_out(marked)


@endpoint(api, "GET", "/meetings/<uuid:meeting_id>/minutes",
          summary="The versions of the minutes you may read, newest first, without content: drafts for "
                  "the convening agency, issued versions for everyone who sees the meeting (audited)",
          permission=Permission.MEETING_READ, query=MinutesQuery, response=MinutesList,
          extra_responses={404: "No such meeting, or not one of yours"})
def minutes_versions(meeting_id: uuid.UUID, query: MinutesQuery) -> dict:
    found = list_minutes(context.db(), context.actor(), meeting_id, now=context.now())
    page = found[query.offset:query.offset + query.limit + 1]
    return envelope("minutes", page, lambda v: MinutesVersionOut.model_validate(asdict(v)).model_dump(
        mode="json"), limit=query.limit, offset=query.offset)


@endpoint(api, "GET", "/meetings/<uuid:meeting_id>/minutes/latest",
          summary="The latest version of the minutes you may read, decrypted (audited)",
          permission=Permission.MEETING_READ, response=MinutesOut,
          extra_responses={404: "No such meeting, or no minutes you may read"})
def latest_minutes(meeting_id: uuid.UUID) -> dict:
    return minutes_out(read_minutes(context.db(), context.actor(), meeting_id, None,
                                    envelope=context.state().envelope, now=context.now()))


@endpoint(api, "GET", "/meetings/<uuid:meeting_id>/minutes/<int:version>",
          summary="One version of the minutes, decrypted (audited)",
          permission=Permission.MEETING_READ, response=MinutesOut,
          extra_responses={404: "No such meeting or version, or one you may not read"})
def one_minutes(meeting_id: uuid.UUID, version: int) -> dict:
    return minutes_out(read_minutes(context.db(), context.actor(), meeting_id, version,
                                    envelope=context.state().envelope, now=context.now()))


@endpoint(api, "PUT", "/cases/<uuid:case_id>/marac-referral",
          summary="Record a MARAC case's referral criteria (its referring, lead agency): DASH count, "
                  "professional judgement with reasons, incidents in 12 months, children (audited)",
          permission=Permission.MARAC_REFER, body=ReferralSchema, response=ReferralOut,
          extra_responses={403: "Another member agency", 404: "No such case, or not your agency's",
                           409: "Not a MARAC case", 422: "What is wrong, keyed by field"})
def put_referral(case_id: uuid.UUID, body: ReferralSchema) -> dict:
    state = context.state()
    found = record_referral(context.db(), context.actor(), case_id, rules.ReferralIn(
        dash_score=body.dash_score, professional_judgement=body.professional_judgement,
        incidents_12_months=body.incidents_12_months, children=body.children, victim_aware=body.victim_aware,
        not_aware_reason=body.not_aware_reason, afraid_of=body.afraid_of),
        envelope=state.envelope, policy=state.settings.policy, now=context.now())
    return ReferralOut.model_validate(asdict(found)).model_dump(mode="json")


@endpoint(api, "GET", "/marac/queue",
          summary="The MARAC coordinator's queue: referrals waiting to be heard, with repeats (also "
                  "those the referrer was not told of) and 12-months-passed cases; case references "
                  "only (the coordinating agency's leads and managers; audited)",
          permission=Permission.MEETING_CONVENE, query=QueueQuery, response=QueueOut,
          extra_responses={403: "Not the MARAC coordinator"})
def marac_queue(query: QueueQuery) -> dict:
    with audited_refusal():
        found = coordinator_queue(context.db(), context.actor(), policy=context.state().settings.policy,
                                  now=context.now(), limit=query.limit + 1, offset=query.offset)
    return envelope("referrals", found,
                    lambda e: QueueEntryOut.model_validate(asdict(e)).model_dump(mode="json"),
                    limit=query.limit, offset=query.offset)


@endpoint(api, "POST", "/meetings/<uuid:meeting_id>/cases",
          summary="List a referred case at a MARAC your agency convened (the coordinator), within its "
                  "capacity (audited)",
          permission=Permission.MEETING_CONVENE, body=ListingIn, response=ListingOut, status=201,
          extra_responses={403: "Not the MARAC coordinator", 404: "No such MARAC of your agency",
                           409: "Already listed, full, held or cancelled", 422: "Not a referred case"})
def list_at_meeting(meeting_id: uuid.UUID, body: ListingIn) -> tuple[dict, int]:
    with audited_refusal():
        position = list_case(context.db(), context.actor(), meeting_id, body.case_id,
                             policy=context.state().settings.policy, now=context.now())
    return {"position": position}, 201


@endpoint(api, "GET", "/meetings/<uuid:meeting_id>/agenda",
          summary="The agenda in the prescribed order: the confidentiality statement, incomplete "
                  "actions, new cases with children, adult-only cases, 12-months-passed cases, any "
                  "other business (audited)",
          permission=Permission.MEETING_READ, response=AgendaOut,
          extra_responses={404: "No such meeting, or not one of yours"})
def meeting_agenda(meeting_id: uuid.UUID) -> dict:
    found = agenda(context.db(), context.actor(), meeting_id, envelope=context.state().envelope,
                   today=context.today(), now=context.now())
    return AgendaOut.model_validate({
        "statement": found.statement, "incomplete_actions": [asdict(c) for c in found.incomplete_actions],
        "sections": [{"title": title, "cases": [asdict(c) for c in cases]}
                     for title, cases in found.sections],
    }).model_dump(mode="json")


@endpoint(api, "POST", "/meetings/<uuid:meeting_id>/research",
          summary="Record your agency's research on a case listed at a MARAC: what it brings, and what it "
                  "chose not to share and why, linked to its disclosure decision (audited)",
          permission=Permission.MEETING_READ, body=ResearchIn, response=ResearchOut, status=201,
          extra_responses={404: "No such meeting or case, or not one of yours",
                           409: "Not a MARAC, or cancelled", 422: "What is wrong, keyed by field"})
def research(meeting_id: uuid.UUID, body: ResearchIn) -> tuple[dict, int]:
    found = record_research(context.db(), context.actor(), meeting_id, body.case_id, brought=body.brought,
                            withheld=body.withheld, withheld_reason=body.withheld_reason,
                            decision_id=body.decision_id, envelope=context.state().envelope,
                            now=context.now())
    return ResearchOut.model_validate(asdict(found)).model_dump(mode="json"), 201
