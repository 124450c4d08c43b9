"""The platform's records for tests: agencies, people, API tokens and cases."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from hub.actor import Actor
from hub.agencies import services as agency_services
from hub.agencies.models import Agency, User
from hub.cases import services as case_services
from hub.cases.models import Case, CaseKind
from hub.config import Policy
from hub.crypto.envelope import Envelope
from hub.db import utcnow

# Codes and e-mail addresses unique across the whole run, rolled-back tests included.
_counter = itertools.count(1)


def unique_number() -> int:
    return next(_counter)


@dataclass
class Factory:
    """Builds agencies, people, tokens and cases through the real services."""

    session: Session
    envelope: Envelope

    def agency(self, code: str | None = None, kind: str = "police") -> Agency:
        code = code or f"AG-{unique_number():04d}"
        return agency_services.add_agency(self.session, Actor.system(), code=code,
                                          name=f"Agency {code}", kind=kind, now=utcnow())

    def user(self, agency: Agency, *roles: str, name: str | None = None) -> User:
        n = unique_number()
        return agency_services.add_user(
            self.session, Actor.system(), agency_code=agency.code,
            email=f"person{n}@{agency.code.lower()}.example", name=name or f"Person {n}",
            roles=list(roles or ("practitioner",)), now=utcnow(),
        )

    def token(self, user: User, days: int = 30) -> str:
        _t, secret = agency_services.create_token(self.session, Actor.system(), user=user,
                                                  days=days, now=utcnow())
        self.session.commit()
        return secret

    def headers(self, user: User) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(user)}"}

    def case(self, creator: User, *, kind: CaseKind = CaseKind.ADULT, members: tuple[Agency, ...] = (),
             name: str = "Alex Testperson", dob: date = date(1980, 5, 17)) -> Case:
        case = case_services.create_case(
            self.session, Actor(creator, "test"), kind=kind,
            subject=case_services.Subject(name, dob), agency_codes=[a.code for a in members],
            envelope=self.envelope, policy=Policy(), now=utcnow(),
        )
        self.session.commit()
        return case
