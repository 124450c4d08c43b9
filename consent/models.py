"""Consent records, disclosure decisions, their IG reviews, information-sharing agreements, the
grounds on which an agency was admitted to a case, and the guided form's encrypted drafts.

Enumerated values are DOMAIN.md §6's (consent.rules.vocabulary), stored as their strings. Free
text is never stored in the clear (invariant 4): each record's texts are one envelope-encrypted
JSON object, ``texts_ciphertext``, bound to its table, row, case and version. What the access
policy, the membership gate and the reports need (outcome, basis, purpose, recipients' codes,
times) is plain.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.agencies.models import Agency, User
from hub.db import Base, UTCDateTime, new_id

# Columns of enumerated values: long enough for the longest DOMAIN.md value.
_ENUM = 64


class ConsentRecord(Base):
    """A person's consent, or refusal, to share (DOMAIN.md §6 "A consent record holds").

    ``status`` is ``active``, ``withdrawn`` or ``superseded`` as stored; ``expired`` is never
    stored but read from ``valid_until`` (rules.consent_is_active), so expiry needs no job.
    """

    __tablename__ = "consent_records"
    __table_args__ = (Index("ix_consent_records_case", "case_id", "recorded_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    given_by: Mapped[str] = mapped_column(String(_ENUM))
    gillick_competent: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    capacity_assessed: Mapped[bool] = mapped_column(Boolean, default=False)
    capacity_outcome: Mapped[str | None] = mapped_column(String(_ENUM), nullable=True)
    consent_type: Mapped[str | None] = mapped_column(String(_ENUM), nullable=True)
    purposes: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Named organisations (agency codes or names), never categories (rules.names_an_organisation).
    agencies: Mapped[list[str]] = mapped_column(JSON, default=list)
    data_categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    method: Mapped[str | None] = mapped_column(String(_ENUM), nullable=True)
    advocate_present: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    obtained_at: Mapped[datetime] = mapped_column(UTCDateTime)
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="active")
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    withdrawal_channel: Mapped[str | None] = mapped_column(String(_ENUM), nullable=True)
    withdrawn_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    # {best_interests, information_given, obtained_by, exclusions, desired_outcomes}
    texts_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    texts_version: Mapped[int] = mapped_column(Integer, default=1)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))

    agency: Mapped[Agency] = relationship(lazy="joined", innerjoin=True)


class DisclosureDecision(Base):
    """A decision to share or not to share (DOMAIN.md §6). Never updated once recorded: a
    correction is a new row whose ``supersedes_id`` names it (rule 10); the unique index makes
    "corrected at most once" hold under concurrent corrections too."""

    __tablename__ = "disclosure_decisions"
    __table_args__ = (
        Index("ix_disclosure_decisions_case", "case_id", "decided_at"),
        Index("uq_disclosure_decisions_supersedes", "supersedes_id", unique=True),
        # The report reads a period of decisions; the IG queue the agency's without consent.
        Index("ix_disclosure_decisions_decided", "decided_at"),
        Index("ix_disclosure_decisions_agency_review", "agency_id", "needs_review", "decided_at"),
        # The decision-maker's dashboard: IG concerns about their own decisions.
        Index("ix_disclosure_decisions_decided_by", "decided_by_id", "decided_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    decided_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    decision_maker_role: Mapped[str | None] = mapped_column(String(200), nullable=True)
    subject_category: Mapped[str] = mapped_column(String(_ENUM))
    direction: Mapped[str] = mapped_column(String(_ENUM))
    date_received: Mapped[date | None] = mapped_column(Date, nullable=True)
    purpose: Mapped[str] = mapped_column(String(_ENUM))
    regime: Mapped[str] = mapped_column(String(_ENUM))
    art6_basis: Mapped[str | None] = mapped_column(String(_ENUM), nullable=True)
    special_category: Mapped[bool] = mapped_column(Boolean)
    art9_condition: Mapped[str | None] = mapped_column(String(_ENUM), nullable=True)
    sch1_condition: Mapped[str | None] = mapped_column(String(_ENUM), nullable=True)
    sch8_condition: Mapped[str | None] = mapped_column(String(_ENUM), nullable=True)
    legal_power: Mapped[str | None] = mapped_column(String(_ENUM), nullable=True)
    confidential: Mapped[bool] = mapped_column(Boolean)
    confidentiality_override: Mapped[str | None] = mapped_column(String(_ENUM), nullable=True)
    consent_status: Mapped[str] = mapped_column(String(_ENUM))
    consent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("consent_records.id"), nullable=True)
    no_consent_reason: Mapped[str | None] = mapped_column(String(_ENUM), nullable=True)
    subject_informed: Mapped[bool] = mapped_column(Boolean)
    outcome: Mapped[str] = mapped_column(String(_ENUM))
    # Agency codes or organisation names, as given: the membership gate looks its codes up.
    recipients: Mapped[list[str]] = mapped_column(JSON, default=list)
    advice_sought: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The seven-part quality check (DOMAIN.md §6): the parts the decision-maker confirmed.
    quality_checks: Mapped[list[str]] = mapped_column(JSON, default=list)
    channel: Mapped[str | None] = mapped_column(String(_ENUM), nullable=True)
    security_marking: Mapped[str | None] = mapped_column(String(_ENUM), nullable=True)
    dsa_ref: Mapped[str | None] = mapped_column(String(100), nullable=True)
    dpia_ref: Mapped[str | None] = mapped_column(String(100), nullable=True)
    review_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    supersedes_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("disclosure_decisions.id"), nullable=True
    )
    # Shared without consent in hand: awaits the deciding agency's IG review until reviewed.
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # {decision_maker, requesting_org, requester, information_requested, rationale, necessity,
    #  proportionality, public_interest_rationale, not_informed_reason, subject_views, minimised,
    #  items_shared}
    texts_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    texts_version: Mapped[int] = mapped_column(Integer, default=1)

    agency: Mapped[Agency] = relationship(lazy="joined", innerjoin=True)
    decided_by: Mapped[User] = relationship(foreign_keys=[decided_by_id])


_UNSEEN_CONCERN = text("outcome = 'concerns_raised' AND seen_at IS NULL")


class DisclosureReview(Base):
    """The deciding agency's IG review of a decision made without consent: ``endorsed`` or
    ``concerns_raised`` with a comment (encrypted). One per decision."""

    __tablename__ = "disclosure_reviews"
    # The concerns a decision-maker has not yet opened, by decision-maker: their dashboard asks on
    # every view, and the way there through their decisions grows with every decision they make.
    __table_args__ = (Index("ix_disclosure_reviews_unseen_concerns", "decided_by_id", "reviewed_at",
                            postgresql_where=_UNSEEN_CONCERN, sqlite_where=_UNSEEN_CONCERN),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    decision_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("disclosure_decisions.id"), unique=True)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"))
    # The decision's maker, copied from the decision (which is never edited).
    decided_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    reviewer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    outcome: Mapped[str] = mapped_column(String(32))
    comment_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # A concern is a dashboard item for the decision-maker until they open it.
    seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    reviewer: Mapped[User] = relationship(foreign_keys=[reviewer_id])


class SharingAgreement(Base):
    """An information-sharing agreement between agencies (ICO data sharing code): who, for which
    purposes and case kinds, on which Art 6 basis, until its review date. Not case content: every
    signed-in person may read the register. Past its review date it covers nothing."""

    __tablename__ = "sharing_agreements"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    title: Mapped[str] = mapped_column(String(200))
    purposes: Mapped[list[str]] = mapped_column(JSON, default=list)
    case_kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    art6_basis: Mapped[str] = mapped_column(String(_ENUM))
    review_date: Mapped[date] = mapped_column(Date)
    dpia_ref: Mapped[str | None] = mapped_column(String(100), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))

    parties: Mapped[list[SharingAgreementParty]] = relationship(
        back_populates="agreement", lazy="selectin", order_by="SharingAgreementParty.agency_id"
    )

    @property
    def party_codes(self) -> list[str]:
        return [party.agency.code for party in self.parties]


class SharingAgreementParty(Base):
    """One agency party to an agreement (indexed by agency for the membership gate)."""

    __tablename__ = "sharing_agreement_parties"
    __table_args__ = (Index("ix_sharing_agreement_parties_agency", "agency_id", "agreement_id"),)

    agreement_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sharing_agreements.id"), primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), primary_key=True)

    agreement: Mapped[SharingAgreement] = relationship(back_populates="parties")
    agency: Mapped[Agency] = relationship(lazy="joined", innerjoin=True)


class AdmissionGround(Base):
    """Why an agency was admitted to a case: the disclosure decision or the agreement that made
    the admission lawful (issue "membership is sharing"). One row per membership row."""

    __tablename__ = "case_admission_grounds"

    membership_id: Mapped[int] = mapped_column(ForeignKey("case_memberships.id"), primary_key=True)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"), index=True)
    decision_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("disclosure_decisions.id"), nullable=True
    )
    agreement_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("sharing_agreements.id"), nullable=True
    )


class DisclosureDraft(Base):
    """What someone has typed into the guided decision form so far: encrypted, theirs alone,
    discarded a day after its last change (policy ``disclosure_draft_hours``)."""

    __tablename__ = "disclosure_drafts"
    __table_args__ = (Index("ix_disclosure_drafts_owner", "user_id", "case_id"),
                      Index("ix_disclosure_drafts_updated", "updated_at"))

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    answers_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    answers_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
