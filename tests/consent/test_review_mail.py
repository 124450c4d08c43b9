"""IG concerns reach the decision-maker by e-mail too (through the outbox, in the review's
transaction): a case reference and a link to the decision, nothing of the decision itself."""

from __future__ import annotations

from sqlalchemy import select

from hub.db import utcnow
from hub.jobs import JobContext
from hub.mail.delivery import deliver_outbox
from hub.mail.models import OutboxMessage

NAME = "Dana Reviewmailperson"
RATIONALE = "Shared to protect an adult at risk"
COMMENT = "Why not ask her first about the bruising?"


def _decision(make, consents):
    trust = make.agency(kind="nhs_acute")
    nurse, ig = make.user(trust, name="Sam Okafor"), make.user(trust, "ig")
    case = make.case(nurse, name=NAME)
    decision = consents.decision(nurse, case, recipients=("Northshire Police",))
    return nurse, ig, case, decision


def test_concerns_raised_send_the_decision_maker_a_link_and_nothing_personal(
        client, make, session, consents, mail_settings, smtp_server):
    nurse, ig, case, decision = _decision(make, consents)
    reviewed = client.post(f"/api/v1/disclosures/{decision.id}/reviews",
                           json={"outcome": "concerns_raised", "comment": COMMENT},
                           headers=make.headers(ig))
    assert reviewed.status_code == 201, reviewed.json
    [queued] = session.scalars(select(OutboxMessage)).all()
    assert (queued.kind, queued.recipient, queued.case_id) == (
        "disclosure.concerns_raised", nurse.email, case.id)

    assert deliver_outbox(session, JobContext(utcnow(), mail_settings)) == 1
    [mail] = smtp_server.received
    assert mail["To"] == nurse.email
    assert mail["Subject"] == f"Concerns raised about a disclosure decision on case {case.ref}"
    link = f"https://hub.northshire.example/cases/{case.id}/decisions/{decision.id}"
    assert link in mail.get_content()
    whole = mail.as_string()
    for secret in (NAME, RATIONALE, COMMENT, "bruising", ig.name):
        assert secret not in whole
    # The link opens the decision, with the concern, for the decision-maker signed in.
    page = client.get(link.removeprefix("https://hub.northshire.example"),
                      headers=make.headers(nurse))
    assert page.status_code == 200
    assert COMMENT in page.get_data(as_text=True)


def test_an_endorsement_sends_no_mail(client, make, session, consents, mail_settings, smtp_server):
    _nurse, ig, _case, decision = _decision(make, consents)
    reviewed = client.post(f"/api/v1/disclosures/{decision.id}/reviews",
                           json={"outcome": "endorsed", "comment": "Necessary and proportionate"},
                           headers=make.headers(ig))
    assert reviewed.status_code == 201, reviewed.json
    assert session.scalars(select(OutboxMessage)).all() == []
    assert deliver_outbox(session, JobContext(utcnow(), mail_settings)) == 0
    assert smtp_server.received == []
