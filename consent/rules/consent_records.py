"""Rules of a consent record: whether it is whole when recorded, and whether it is in force.

Consent to share is specific and informed, given by someone able to give it, and can be withdrawn
at any time (UK GDPR Art 4(11) and Art 7; Gillick; Mental Capacity Act 2005).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from consent.rules.common import Problems, is_aware, is_given, merge_problems, names_an_organisation
from consent.rules.inputs import ConsentIn, ConsentView
from consent.rules.vocabulary import CapacityOutcome, ConsentGivenBy, ConsentRecordStatus

GILLICK_AGE = 16


def _utc(moment: datetime) -> datetime:
    """Stored times are UTC (invariant 7); one read back without an offset is taken as UTC."""
    return moment if is_aware(moment) else moment.replace(tzinfo=UTC)


def why_consent_is_not_in_force(consent: ConsentView, at: datetime) -> str | None:
    """Why this consent cannot be the basis of a share at ``at``, or None when it can.
    UK GDPR Art 7(3): once withdrawn (or expired, or replaced) it never is again."""
    at = _utc(at)
    if consent.withdrawn_at is not None or consent.status == ConsentRecordStatus.WITHDRAWN:
        return ("This consent has been withdrawn, so nothing more can be shared on it: "
                "choose another basis or record new consent")
    if consent.status == ConsentRecordStatus.SUPERSEDED:
        return "This consent has been replaced by a newer record: choose the current consent"
    if consent.status == ConsentRecordStatus.EXPIRED or (
            consent.valid_until is not None and at >= _utc(consent.valid_until)):
        return "This consent has expired: choose another basis or record new consent"
    if at < _utc(consent.valid_from):
        return "This consent is not in force yet: choose another basis or wait until it starts"
    return None


def consent_is_active(consent: ConsentView, now: datetime) -> bool:
    """DOMAIN.md §6 rule 7: only an active consent, started and not expired, withdrawn or replaced,
    can be a basis; a withdrawn or expired consent never again is (UK GDPR Art 7(3))."""
    return why_consent_is_not_in_force(consent, now) is None


def age_on(born: date, day: date) -> int:
    """Age in whole years on ``day``."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def consent_says_who_gave_it(consent: ConsentIn) -> Problems:
    """DOMAIN.md §6: a consent record says who gave consent (the person, someone with parental
    responsibility, an attorney, a deputy, or someone else)."""
    if consent.given_by is None:
        return {"given_by": "Say who gave consent"}
    return {}


def a_child_consenting_alone_is_gillick_competent(consent: ConsentIn, *, subject_born: date | None,
                                                  now: datetime) -> Problems:
    """Gillick v West Norfolk AHA [1986] AC 112: a child under 16 consents for themselves only if
    competent to understand the decision; the record says whether they are."""
    if consent.given_by != ConsentGivenBy.SELF or subject_born is None:
        return {}
    given_on = consent.obtained_at.date() if consent.obtained_at is not None else now.date()
    if age_on(subject_born, given_on) >= GILLICK_AGE:
        return {}
    if consent.gillick_competent is None:
        return {"gillick_competent": "Say whether the child is competent to consent for themselves "
                                     "(Gillick competence)"}
    if not consent.gillick_competent:
        return {"given_by": "A child who is not Gillick competent cannot consent for themselves: "
                            "record consent from a person with parental responsibility"}
    return {}


def capacity_assessment_has_an_outcome_and_best_interests(consent: ConsentIn) -> Problems:
    """Mental Capacity Act 2005 ss1-4: capacity is decision- and time-specific; an assessment has an
    outcome, and for a person who lacks capacity the best-interests decision is recorded."""
    if consent.capacity_assessed and consent.capacity_outcome is None:
        return {"capacity_outcome": "Record the outcome of the capacity assessment for this decision"}
    if consent.capacity_outcome != CapacityOutcome.LACKS_CAPACITY:
        return {}
    problems: Problems = {}
    if not is_given(consent.best_interests):
        problems["best_interests"] = "Record the best-interests decision, as the person lacks capacity"
    if consent.given_by == ConsentGivenBy.SELF:
        problems["given_by"] = ("A person who lacks capacity for this decision cannot consent "
                                "themselves: record who consented for them, such as an attorney or deputy")
    return problems


def consent_period_is_coherent(consent: ConsentIn, *, now: datetime) -> Problems:
    """DOMAIN.md §6: consent is obtained at a known time, applies from then or later, and ends after
    it starts, so that rule 7 can tell when it is in force."""
    problems: Problems = {}
    start = consent.obtained_at
    if start is None:
        problems["obtained_at"] = "Give the date and time consent was obtained"
    elif not is_aware(start):
        problems["obtained_at"] = "Give the time consent was obtained with its time zone"
        start = None
    elif start > now:
        problems["obtained_at"] = "The time consent was obtained cannot be in the future"
    if consent.valid_from is not None:
        if not is_aware(consent.valid_from):
            problems["valid_from"] = "Give the time the consent starts with its time zone"
        elif start is not None and consent.valid_from < start:
            problems["valid_from"] = "Consent cannot apply from before it was given"
        else:
            start = consent.valid_from
    if consent.valid_until is not None:
        if not is_aware(consent.valid_until):
            problems["valid_until"] = "Give the time the consent ends with its time zone"
        elif start is not None and consent.valid_until <= start:
            problems["valid_until"] = "The consent must end after it starts"
    return problems


def consent_names_purposes_and_organisations(consent: ConsentIn) -> Problems:
    """UK GDPR Art 4(11) (specific, informed); ICO data sharing code: consent covers named purposes
    and named organisations, not kinds of agency."""
    problems: Problems = {}
    if not consent.purposes:
        problems["purposes"] = "Choose at least one purpose the person agreed to"
    if not consent.agencies:
        problems["agencies"] = "Name at least one organisation the person agreed to share with"
    elif not all(names_an_organisation(name) for name in consent.agencies):
        problems["agencies"] = ("Name each organisation, such as Northshire Police, "
                                "not a kind of agency such as police")
    return problems


def validate_consent(consent: ConsentIn, *, subject_born: date | None, now: datetime) -> Problems:
    """Every consent-record rule at once, keyed by field (first message per field wins).
    ``subject_born`` is the subject's date of birth, for the Gillick question."""
    return merge_problems(
        consent_says_who_gave_it(consent),
        a_child_consenting_alone_is_gillick_competent(consent, subject_born=subject_born, now=now),
        capacity_assessment_has_an_outcome_and_best_interests(consent),
        consent_period_is_coherent(consent, now=now),
        consent_names_purposes_and_organisations(consent),
    )
