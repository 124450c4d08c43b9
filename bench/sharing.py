"""The sharing package's benchmark: the risk summaries read under load (decrypt and audit)."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from hub.actor import Actor
from hub.agencies.models import User
from hub.crypto.envelope import Envelope
from hub.crypto.keyring import Keyring
from hub.db import Database, utcnow
from sharing.rules import Contact, RiskLevel, RiskSummaryIn
from sharing.services.risk_summaries import record_summary

MARKER = "Stops answering the door"


def plan(n: int) -> RiskSummaryIn:
    """A crisis plan as long as a real one, different for each case."""
    return RiskSummaryIn(
        level=RiskLevel.HIGH, risk_to=f"Herself and her son (bench case {n})",
        risk_factors="Her partner's release in March; two overdoses after his last release; "
                     "drinking at weekends",
        protective_factors="Her sister visits on Sundays; she trusts the practice nurse",
        early_warning_signs=f"{MARKER} and stops eating when the release date nears ({n})",
        de_escalation="Her sister calls first; a visit by the nurse she knows, never a stranger",
        coping_strategies="Walking the dog; the allotment on Saturdays",
        contacts=(Contact(1, "Practice nurse", "Nurse", "01632 960001", "Mon-Fri 8-6"),
                  Contact(3, "Crisis team duty desk", "Crisis resolution", "01632 960999", "24 hours")),
        statutory_thresholds="A Mental Health Act assessment if she stops eating for three days",
        wishes="Does not want to be admitted to the ward she was on before", agreed_with_person=True,
        reviewer="Practice nurse")


def seed_risk_summaries(url: str, keyring: Keyring, case_ids: list[uuid.UUID],
                        email: str = "practitioner@bench.example") -> None:
    """Version 1 of a plan for each case, written through the service by the bench practitioner."""
    database = Database(url)
    envelope = Envelope(keyring)
    now = utcnow()
    with database.transaction() as session:
        user = session.scalars(select(User).where(User.email == email)).one()
        actor = Actor(user, "hub:bench")
        for n, case_id in enumerate(case_ids):
            record_summary(session, actor, case_id, plan(n), envelope=envelope, now=now, today=now.date())
    database.engine.dispose()
