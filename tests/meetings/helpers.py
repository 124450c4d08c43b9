"""A world for the meetings tests: a council's adult (or child) case with the police as a member,
through an information-sharing agreement, and an agency outside it; and a strategy meeting's body."""

from __future__ import annotations

from datetime import timedelta

from hub.cases.models import CaseKind
from hub.db import utcnow
from tests.support.factories.consent import ConsentFactory

NAME = "Robin Meetingperson"


def world(make, kind: CaseKind = CaseKind.ADULT):
    council, police, outsider = make.agency(kind="council_adults"), make.agency(), make.agency()
    ConsentFactory(make).agreement(council, police)
    worker, officer, stranger = make.user(council, "lead"), make.user(police), make.user(outsider)
    case = make.case(worker, members=(police,), name=NAME, kind=kind)
    return case, worker, officer, stranger, police, outsider


def marac_partnership(make, coordinator_code: str):
    """The coordinating council (its lead chairs), the police and a mental-health trust, with an
    agreement between the three: (chair, officer, nurse, police)."""
    coordinator = make.agency(coordinator_code, kind="council_adults")
    police, health = make.agency(), make.agency(kind="nhs_mental_health")
    ConsentFactory(make).agreement(police, health, coordinator)
    return make.user(coordinator, "lead"), make.user(police), make.user(health), police


def body(case, police, *, start_in_days: int = 2, decided_hours_ago: int = 1, **changes) -> dict:
    start = utcnow().replace(microsecond=0) + timedelta(days=start_in_days)
    return {"kind": "strategy", "title": f"Strategy meeting about {NAME}", "location": "Room 3",
            "start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat(),
            "case_ids": [str(case.id)],
            "invitees": [{"email": "DC.Smith@police.example", "name": "DC Smith", "agency": police.code}],
            "decided_at": (utcnow() - timedelta(hours=decided_hours_ago)).isoformat(), **changes}
