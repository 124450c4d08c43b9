"""The consent package's case pages: consent records, the guided disclosure-decision form with its
encrypted draft, decisions with their corrections, and the membership history."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from consent.models import ConsentRecord, DisclosureDecision, DisclosureDraft
from consent.services import reviews as review_services
from consent.services.drafts import data_key_id
from hub.actor import Actor
from hub.cases import services as case_services
from hub.config import Policy
from hub.crypto.models import DataKey
from hub.db import utcnow
from tests.support.factories.consent import ConsentFactory
from tests.support.snapshot import assert_nothing_written, take_snapshot
from tests.web.page import read_page

SUBJECT = "Robin Pagesperson"


@pytest.fixture
def world(make, session):
    """A case led by ``lead`` with ``partner`` admitted under an agreement; ``officer`` works for
    the lead agency, ``stranger`` for an agency outside the case."""
    lead, partner, outside = make.agency(), make.agency(), make.agency()
    officer = make.user(lead, name="Sam Officer")
    consent = ConsentFactory(make)
    agreement = consent.agreement(lead, partner, title="Northshire safeguarding agreement")
    case = make.case(officer, members=(partner,), name=SUBJECT)
    return {"lead": lead, "partner": partner, "outside": outside, "officer": officer,
            "stranger": make.user(outside), "case": case, "consent": consent, "agreement": agreement}


def text_of(response) -> str:  # type: ignore[no-untyped-def]
    assert response.mimetype == "text/html"
    return read_page(response.get_data(as_text=True)).text


def count(session, model) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(select(func.count()).select_from(model))


def error_summary(response) -> list[str]:  # type: ignore[no-untyped-def]
    body = response.get_data(as_text=True)
    assert 'class="govuk-error-summary"' in body
    summary = body.split('class="govuk-error-summary"', 1)[1].split("</ul>", 1)[0]
    return [re.sub(r"\s+", " ", m).strip() for m in re.findall(r'<a href="[^"]*">([^<]*)</a>', summary)]


# --- every page, members and others -----------------------------------------------------------

def test_the_case_page_shows_the_consent_panel(client, make, world):
    case, officer = world["case"], world["officer"]
    world["consent"].consent(officer, case)
    world["consent"].decision(officer, case, recipients=(world["partner"].code,))
    page = client.get(f"/cases/{case.id}", headers=make.headers(officer))
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    text = text_of(page)
    assert "Active" in text
    assert "Share in part, minimised" in text
    for link in (f"/cases/{case.id}/consents/new", f"/cases/{case.id}/decisions/new",
                 f"/cases/{case.id}/membership-history", f"/cases/{case.id}/consents"):
        assert f'href="{link}"' in body


def test_every_page_opens_for_a_member_and_is_not_found_for_anyone_else(client, make, world, session):
    case, officer = world["case"], world["officer"]
    record = world["consent"].consent(officer, case)
    decision = world["consent"].decision(officer, case, recipients=(world["partner"].code,))
    paths = [f"/cases/{case.id}/consents", f"/cases/{case.id}/consents/new",
             f"/cases/{case.id}/consents/{record.id}/withdraw", f"/cases/{case.id}/decisions",
             f"/cases/{case.id}/decisions/new", f"/cases/{case.id}/decisions/{decision.id}",
             f"/cases/{case.id}/decisions/new?supersedes={decision.id}",
             f"/cases/{case.id}/membership-history"]
    member = make.headers(make.user(world["partner"]))
    stranger = make.headers(world["stranger"])
    for path in paths:
        seen = client.get(path, headers=member)
        assert seen.status_code == 200, path
        assert "There is a problem" not in text_of(seen)
        hidden = client.get(path, headers=stranger)
        assert hidden.status_code == 404, path
        assert SUBJECT not in hidden.get_data(as_text=True)


def test_ig_may_read_the_pages_but_not_record(client, make, world):
    case = world["case"]
    ig = make.headers(make.user(world["lead"], "ig"))
    assert client.get(f"/cases/{case.id}/decisions", headers=ig).status_code == 200
    assert client.get(f"/cases/{case.id}/consents/new", headers=ig).status_code == 404
    assert client.post(f"/cases/{case.id}/decisions/drafts", headers=ig).status_code == 404


# --- consent records --------------------------------------------------------------------------

CONSENT_FORM = {
    "given_by": "self", "capacity_assessed": "no", "consent_type": "explicit",
    "purposes": ["safeguard_adult_at_risk", "marac"], "other_agencies": "Northshire Housing Association",
    "data_categories": "Risk assessment", "exclusions": "Health history", "method": "verbal",
    "information_given": "Told what is shared with whom and why",
    "obtained_at-day": "1", "obtained_at-month": "7", "obtained_at-year": "2025", "obtained_at-time": "14:30",
    "obtained_by": "Sam Officer, IDVA", "desired_outcomes": "To stay safe at home",
    "advocate_present": "no",
}


def test_recording_a_consent_converts_uk_time_and_lists_it(client, make, world, session):
    case, headers = world["case"], make.headers(world["officer"])
    form = {**CONSENT_FORM, "agencies": [world["partner"].code]}
    response = client.post(f"/cases/{case.id}/consents", headers=headers, data=form)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/cases/{case.id}/consents?done=recorded"
    [row] = session.scalars(select(ConsentRecord).where(ConsentRecord.case_id == case.id)).all()
    # 14:30 British Summer Time is 13:30 UTC.
    assert row.obtained_at == datetime(2025, 7, 1, 13, 30, tzinfo=UTC)
    assert row.agencies == [world["partner"].code, "Northshire Housing Association"]
    assert b"To stay safe at home" not in row.texts_ciphertext
    listed = text_of(client.get(response.headers["Location"], headers=headers))
    assert "Consent recorded" in listed
    assert "1 July 2025 14:30" in listed
    assert "To stay safe at home" in listed


def test_a_consent_that_breaks_the_rules_is_shown_again_with_everything_typed(client, make, world, session):
    case, headers = world["case"], make.headers(world["officer"])
    form = {**CONSENT_FORM, "purposes": [], "other_agencies": "police",
            "capacity_assessed": "yes", "obtained_at-time": "25:99"}
    before = take_snapshot(session)
    response = client.post(f"/cases/{case.id}/consents", headers=headers, data=form)
    assert response.status_code == 422
    assert read_page(response.get_data(as_text=True)).title.startswith("Error: ")
    errors = error_summary(response)
    assert "Choose at least one purpose the person agreed to" in errors
    assert any("not a kind of agency" in e for e in errors)
    assert "Record the outcome of the capacity assessment for this decision" in errors
    assert any("real time" in e for e in errors)
    body = response.get_data(as_text=True)
    assert "To stay safe at home" in body
    assert "Sam Officer, IDVA" in body
    assert 'value="2025"' in body
    assert 'href="#obtained_at-day"' in body
    assert [e["action"] for e in assert_nothing_written(session, before)] == []


def test_withdrawing_a_consent_asks_how_and_then_ends_it(client, make, world, session):
    case, officer = world["case"], world["officer"]
    record = world["consent"].consent(officer, case)
    headers = make.headers(officer)
    path = f"/cases/{case.id}/consents/{record.id}/withdraw"
    refused = client.post(path, headers=headers, data={})
    assert refused.status_code == 422
    assert error_summary(refused) == ["Select how the person withdrew their consent"]
    done = client.post(path, headers=headers, data={"channel": "written"})
    assert done.status_code == 303
    session.expire_all()
    assert session.get(ConsentRecord, record.id).status == "withdrawn"
    assert "Withdrawn" in text_of(client.get(f"/cases/{case.id}/consents", headers=headers))
    assert client.post(path, headers=headers, data={"channel": "written"}).status_code == 409


# --- the guided disclosure form ---------------------------------------------------------------

def start(client, headers, case, **data):  # type: ignore[no-untyped-def]
    response = client.post(f"/cases/{case.id}/decisions/drafts", headers=headers, data=data)
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.endswith("/request")
    return location.rsplit("/", 1)[0]


def answer(client, headers, draft, slug, data, expect=None):  # type: ignore[no-untyped-def]
    response = client.post(f"{draft}/{slug}", headers=headers, data=data)
    assert response.status_code == 303, (slug, response.get_data(as_text=True)[:3000])
    if expect is not None:
        assert response.headers["Location"].endswith(f"/{expect}"), response.headers["Location"]
    return response


def sharing_answers(partner_code: str) -> list[tuple[str, dict, str]]:
    """A decision to share with the partner without consent, page by page, with the next page."""
    return [
        ("request", {"subject_category": "adult_at_risk", "direction": "proactive"}, "purpose"),
        ("purpose", {"purpose": "safeguard_adult_at_risk"}, "regime"),
        ("regime", {"regime": "uk_gdpr", "legal_power": "care_act_2014_s42"}, "lawful-basis"),
        ("lawful-basis", {"art6_basis": "public_task", "special_category": "yes",
                          "art9_condition": "9_2_g"}, "schedule-1"),
        ("schedule-1", {"sch1_condition": "para_18"}, "confidentiality"),
        ("confidentiality", {"confidential": "yes", "confidentiality_override": "public_interest"},
         "consent"),
        ("consent", {"consent_status": "not_sought"}, "without-consent"),
        ("without-consent", {"no_consent_reason": "would_prejudice_protection",
                             "public_interest_rationale": "Serious harm outweighs confidence"}, "informed"),
        ("informed", {"subject_informed": "no", "not_informed_reason": "It would raise the risk"}, "test"),
        ("test", {"necessity": "Needed to plan protection", "proportionality": "Only the summary",
                  "minimised": "Third parties removed", "quality_checks": ["necessary", "secure"]},
         "outcome"),
        ("outcome", {"outcome": "share_partial_minimised", "rationale": "Protect the adult",
                     "review_date-day": "1", "review_date-month": "1", "review_date-year": "2030"},
         "recipients"),
        ("recipients", {"recipients": [partner_code], "items_shared": "Risk summary\nSafety plan",
                        "channel": "secure_email", "security_marking": "official_sensitive"},
         "check-answers"),
    ]


def test_a_decision_through_every_question_page_is_recorded_once_from_check_your_answers(
        client, make, world, session):
    case, officer, partner = world["case"], world["officer"], world["partner"]
    headers = make.headers(officer)
    draft = start(client, headers, case)
    for slug, data, following in sharing_answers(partner.code):
        answer(client, headers, draft, slug, data, expect=following)
    check = client.get(f"{draft}/check-answers", headers=headers)
    assert check.status_code == 200
    text = text_of(check)
    for words in ("Safeguarding of children and of individuals at risk (paragraph 18)",
                  "Serious harm outweighs confidence", "Risk summary", partner.name, "1 January 2030"):
        assert words in text
    assert f'href="{draft}/schedule-1?change=1#sch1_condition"' in check.get_data(as_text=True)
    before = count(session, DisclosureDecision)
    recorded = client.post(f"{draft}/check-answers", headers=headers)
    assert recorded.status_code == 303
    assert count(session, DisclosureDecision) == before + 1
    [row] = session.scalars(select(DisclosureDecision).where(DisclosureDecision.case_id == case.id)).all()
    assert (row.outcome, row.recipients, row.sch1_condition, row.quality_checks) == (
        "share_partial_minimised", [partner.code], "para_18", ["necessary", "secure"])
    assert row.needs_review
    assert recorded.headers["Location"] == f"/cases/{case.id}/decisions/{row.id}?done=recorded"
    page = text_of(client.get(recorded.headers["Location"], headers=headers))
    assert "Decision recorded" in page
    assert "Serious harm outweighs confidence" in page
    # The draft is gone with its data key; the form cannot record twice.
    assert count(session, DisclosureDraft) == 0
    assert client.post(f"{draft}/check-answers", headers=headers).status_code == 404
    assert count(session, DisclosureDecision) == before + 1


def test_a_question_left_unanswered_is_asked_again_and_the_draft_keeps_what_was_saved(
        client, make, world, session):
    case, headers = world["case"], make.headers(world["officer"])
    draft = start(client, headers, case)
    answer(client, headers, draft, "request", {"subject_category": "adult", "direction": "on_request",
                                               "requesting_org": "Northshire Housing Association",
                                               "requester": "Pat Requester, housing officer"})
    before = take_snapshot(session)
    refused = client.post(f"{draft}/purpose", headers=headers, data={})
    assert refused.status_code == 422
    assert error_summary(refused) == ["Select the purpose of sharing"]
    assert 'href="#purpose"' in refused.get_data(as_text=True)
    assert_nothing_written(session, before)
    # A reload brings back what was saved, and the page before.
    again = client.get(f"{draft}/request", headers=headers)
    body = again.get_data(as_text=True)
    assert 'value="Pat Requester, housing officer"' in body
    assert re.search(r'value="on_request"\s+checked', body)


def test_the_draft_is_encrypted_at_rest_under_a_new_key_at_each_save(client, make, world, session):
    case, headers = world["case"], make.headers(world["officer"])
    draft = start(client, headers, case)
    answer(client, headers, draft, "request", {"subject_category": "adult", "direction": "on_request",
                                               "requester": "Quentin Secretname"})
    row = session.scalars(select(DisclosureDraft)).one()
    first_key, version = data_key_id(row.answers_ciphertext), row.answers_version
    assert b"Quentin Secretname" not in row.answers_ciphertext
    answer(client, headers, draft, "purpose", {"purpose": "marac"})
    session.expire_all()
    row = session.get(DisclosureDraft, row.id)
    assert row.answers_version == version + 1
    assert session.get(DataKey, first_key) is None
    assert session.get(DataKey, data_key_id(row.answers_ciphertext)) is not None
    assert b"Quentin Secretname" not in row.answers_ciphertext


def test_only_the_owner_opens_a_draft(client, make, world, session):
    case, headers = world["case"], make.headers(world["officer"])
    draft = start(client, headers, case)
    colleague = make.headers(make.user(world["lead"]))
    for path in (f"{draft}/request", f"{draft}/check-answers"):
        assert client.get(path, headers=colleague).status_code == 404
    assert client.post(f"{draft}/check-answers", headers=colleague).status_code == 404
    assert client.get(f"{draft}/no-such-question", headers=headers).status_code == 404


def test_a_stale_draft_is_not_found(client, make, world, session):
    case, headers = world["case"], make.headers(world["officer"])
    draft = start(client, headers, case)
    row = session.scalars(select(DisclosureDraft)).one()
    row.updated_at = utcnow().replace(year=2000)
    session.commit()
    assert client.get(f"{draft}/request", headers=headers).status_code == 404


def test_paragraph_18_for_an_adult_shows_the_rules_error_on_the_condition(client, make, world):
    case, headers = world["case"], make.headers(world["officer"])
    draft = start(client, headers, case)
    answer(client, headers, draft, "request", {"subject_category": "adult", "direction": "proactive"})
    answer(client, headers, draft, "regime", {"regime": "uk_gdpr"})
    answer(client, headers, draft, "lawful-basis", {"art6_basis": "public_task", "special_category": "yes",
                                                    "art9_condition": "9_2_g"}, expect="schedule-1")
    refused = client.post(f"{draft}/schedule-1", headers=headers, data={"sch1_condition": "para_18"})
    assert refused.status_code == 422
    [message] = error_summary(refused)
    assert message.startswith("Safeguarding (Schedule 1 paragraph 18) is only for a child or an adult")
    assert re.search(r'value="para_18"\s+checked', refused.get_data(as_text=True))


def test_part_3_asks_for_the_schedule_8_condition_and_not_the_uk_gdpr_basis(client, make, world):
    case, headers = world["case"], make.headers(world["officer"])
    draft = start(client, headers, case)
    answer(client, headers, draft, "regime", {"regime": "dpa_part3"}, expect="schedule-8")
    refused = client.post(f"{draft}/schedule-8", headers=headers, data={})
    assert refused.status_code == 422
    assert error_summary(refused) == ["Select the Schedule 8 condition"]
    answer(client, headers, draft, "schedule-8", {"sch8_condition": "sch8_4"}, expect="confidentiality")


def test_a_decision_not_to_share_skips_recipients_and_errors_link_back_to_their_pages(
        client, make, world, session):
    case, headers = world["case"], make.headers(world["officer"])
    draft = start(client, headers, case)
    answer(client, headers, draft, "request", {"subject_category": "adult", "direction": "proactive"})
    before = take_snapshot(session)
    refused = client.post(f"{draft}/check-answers", headers=headers)
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert f'href="{draft}/purpose#purpose"' in body
    assert f'href="{draft}/outcome#outcome"' in body
    assert_nothing_written(session, before)
    for slug, data in [("purpose", {"purpose": "direct_care"}), ("regime", {"regime": "uk_gdpr"}),
                       ("lawful-basis", {"art6_basis": "public_task", "special_category": "no"}),
                       ("confidentiality", {"confidential": "no"}),
                       ("consent", {"consent_status": "refused"}),
                       ("without-consent", {"no_consent_reason": "would_increase_risk_of_harm"}),
                       ("informed", {"subject_informed": "yes"}), ("test", {})]:
        answer(client, headers, draft, slug, data)
    answer(client, headers, draft, "outcome", {"outcome": "do_not_share", "rationale": "Not needed"},
           expect="check-answers")
    recorded = client.post(f"{draft}/check-answers", headers=headers)
    assert recorded.status_code == 303
    row = session.scalars(select(DisclosureDecision).where(DisclosureDecision.case_id == case.id)).one()
    assert (row.outcome, row.recipients, row.needs_review) == ("do_not_share", [], False)


def test_correcting_a_decision_starts_from_its_answers_and_supersedes_it(client, make, world, session):
    case, officer, partner = world["case"], world["officer"], world["partner"]
    earlier = world["consent"].decision(officer, case, recipients=(partner.code,))
    headers = make.headers(officer)
    page = client.get(f"/cases/{case.id}/decisions/{earlier.id}", headers=headers)
    assert f'href="/cases/{case.id}/decisions/new?supersedes={earlier.id}"' in page.get_data(as_text=True)
    draft = start(client, headers, case, supersedes=str(earlier.id))
    outcome = client.get(f"{draft}/outcome", headers=headers).get_data(as_text=True)
    assert "Shared to protect an adult at risk" in outcome
    answer(client, headers, draft, "outcome", {"outcome": "share_full", "rationale": "Corrected: in full"})
    recorded = client.post(f"{draft}/check-answers", headers=headers)
    assert recorded.status_code == 303, recorded.get_data(as_text=True)[:2000]
    later = session.scalars(select(DisclosureDecision)
                            .where(DisclosureDecision.supersedes_id == earlier.id)).one()
    assert later.outcome == "share_full"
    assert later.recipients == [partner.code]
    old = text_of(client.get(f"/cases/{case.id}/decisions/{earlier.id}", headers=headers))
    assert "This decision has been corrected" in old
    assert "Correct this decision" not in old
    new = client.get(f"/cases/{case.id}/decisions/{later.id}", headers=headers).get_data(as_text=True)
    assert f'href="/cases/{case.id}/decisions/{earlier.id}"' in new
    assert "Correction history" in new
    listed = text_of(client.get(f"/cases/{case.id}/decisions", headers=headers))
    assert "Superseded" in listed
    assert "Correction" in listed
    # The corrected decision cannot be corrected again.
    assert "already been corrected" in text_of(
        client.get(f"/cases/{case.id}/decisions/new?supersedes={earlier.id}", headers=headers))


def test_opening_a_decision_with_concerns_raised_marks_the_concern_seen(client, make, world, session):
    case, officer = world["case"], world["officer"]
    decision = world["consent"].decision(officer, case, recipients=(world["partner"].code,))
    ig = make.user(world["lead"], "ig")
    review_services.review_decision(session, Actor(ig, "test"), decision.id,
                                    outcome=review_services.ReviewOutcome.CONCERNS_RAISED,
                                    comment="The summary named a neighbour", envelope=make.envelope,
                                    now=utcnow())
    session.commit()
    # Another reader leaves the concern on the decision-maker's dashboard.
    assert client.get(f"/cases/{case.id}/decisions/{decision.id}",
                      headers=make.headers(ig)).status_code == 200
    assert len(review_services.concerns_for(session, officer)) == 1
    page = text_of(client.get(f"/cases/{case.id}/decisions/{decision.id}", headers=make.headers(officer)))
    assert "IG review: concerns raised" in page
    assert "The summary named a neighbour" in page
    session.expire_all()
    assert review_services.concerns_for(session, officer) == []


def test_the_membership_history_links_each_admission_to_its_ground(client, make, world, session):
    case, officer, outside = world["case"], world["officer"], world["outside"]
    decision = world["consent"].decision(officer, case, recipients=(outside.code,))
    case_services.add_member(session, Actor(officer, "test"), case.id, outside.code,
                             policy=Policy(), now=utcnow())
    case_services.remove_member(session, Actor(officer, "test"), case.id, world["partner"].code,
                                now=utcnow())
    session.commit()
    response = client.get(f"/cases/{case.id}/membership-history", headers=make.headers(officer))
    assert response.status_code == 200
    body, text = response.get_data(as_text=True), text_of(response)
    assert f'href="/cases/{case.id}/decisions/{decision.id}"' in body
    assert "Under agreement Northshire safeguarding agreement" in text
    assert f"by {officer.name}" in text
    assert "Current member" in text
