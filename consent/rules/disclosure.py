"""The ten validation rules of a lawful disclosure decision (DOMAIN.md §6 "Validation").

One function per rule, named after what it checks; each returns the problems it finds keyed by
DESIGN.md §4 field name, empty when the rule holds. The conditions for sharing apply to every
outcome but ``do_not_share``; a decision not to share can always be recorded (golden rule 7).
"""

from __future__ import annotations

from datetime import datetime

from consent.rules.common import (
    Problems,
    is_aware,
    is_given,
    merge_problems,
    names_an_organisation,
    organisation_key,
    records_a_share,
)
from consent.rules.consent_records import why_consent_is_not_in_force
from consent.rules.inputs import ConsentView, DeciderContext, DecisionIn, EarlierDecision
from consent.rules.vocabulary import (
    PARA_18_REASONS,
    PARA_18_SUBJECTS,
    Art6Basis,
    Art9Condition,
    ConsentStatus,
    Regime,
    Sch1Condition,
)

# Consent is not in hand: sharing confidential information then sets the duty of confidence aside.
_WITHOUT_CONSENT = {
    ConsentStatus.REFUSED: "Give the reason for sharing although consent was refused",
    ConsentStatus.NOT_SOUGHT: "Give the reason consent was not sought",
    ConsentStatus.WITHDRAWN: "Give the reason for sharing although consent was withdrawn",
}


def rationale_decision_maker_and_time_are_recorded(decision: DecisionIn, *, now: datetime) -> Problems:
    """Rule 1. HM Government "Information sharing advice" (2024) golden rule 7 and the ICO data
    sharing code: record every decision, to share or not, with why, by whom and when."""
    problems: Problems = {}
    if not is_given(decision.rationale):
        problems["rationale"] = "Explain the reasons for your decision"
    if not is_given(decision.decision_maker):
        problems["decision_maker"] = "Give the name of the person who made the decision"
    if decision.decided_at is None:
        problems["decided_at"] = "Give the date and time the decision was made"
    elif not is_aware(decision.decided_at):
        problems["decided_at"] = "Give the time the decision was made with its time zone"
    elif decision.decided_at > now:
        problems["decided_at"] = "The time of the decision cannot be in the future"
    return problems


def sharing_needs_an_art6_basis(decision: DecisionIn) -> Problems:
    """Rule 2. UK GDPR Art 5(1)(a) and Art 6(1): sharing personal data needs a lawful basis.
    Part 3 processing is outside UK GDPR (DPA 2018 s29; rule 9 asks for its condition instead)."""
    if (records_a_share(decision.outcome) and decision.regime == Regime.UK_GDPR
            and decision.art6_basis is None):
        return {"art6_basis": "Choose the lawful basis for sharing (UK GDPR Article 6)"}
    return {}


def special_category_needs_art9_and_sch1_for_9_2_g(decision: DecisionIn) -> Problems:
    """Rule 2. UK GDPR Art 9(1)-(2) and DPA 2018 s10(3): sharing special-category data (such as
    health) needs an Art 9 condition, and substantial public interest, 9(2)(g), a Sch 1 Part 2 one."""
    if not (records_a_share(decision.outcome) and decision.regime == Regime.UK_GDPR
            and decision.special_category):
        return {}
    if decision.art9_condition is None:
        return {"art9_condition": "This includes special category information, such as health: "
                                  "choose the condition for sharing it (UK GDPR Article 9)"}
    needs_sch1 = decision.art9_condition == Art9Condition.SUBSTANTIAL_PUBLIC_INTEREST
    if needs_sch1 and decision.sch1_condition is None:
        return {"sch1_condition": "For substantial public interest, choose the Schedule 1 condition, "
                                  "such as safeguarding (paragraph 18)"}
    return {}


def no_legitimate_interests_for_public_authorities(decision: DecisionIn, *,
                                                   decider: DeciderContext) -> Problems:
    """Rule 3. UK GDPR Art 6(1), last sentence: legitimate interests, point (f), does not apply to
    processing by public authorities in the performance of their tasks."""
    if decision.art6_basis == Art6Basis.LEGITIMATE_INTERESTS and decider.public_authority_in_functions:
        return {"art6_basis": "A public authority cannot use legitimate interests for its work: "
                              "choose another basis, usually public task"}
    return {}


def confidential_without_consent_needs_public_interest_reasons(decision: DecisionIn) -> Problems:
    """Rule 4. Common-law duty of confidence and the Caldicott principles: sharing confidential
    information without consent needs a reason, a public-interest justification and a named decider."""
    if not (decision.confidential and records_a_share(decision.outcome)
            and decision.consent_status in _WITHOUT_CONSENT):
        return {}
    problems: Problems = {}
    if decision.no_consent_reason is None:
        problems["no_consent_reason"] = _WITHOUT_CONSENT[decision.consent_status]
    if not is_given(decision.public_interest_rationale):
        problems["public_interest_rationale"] = ("Explain why the public interest in sharing outweighs "
                                                 "the duty of confidentiality")
    if not is_given(decision.decision_maker):
        problems["decision_maker"] = "Give the name of the person who decided to share without consent"
    return problems


def para_18_needs_a_child_or_adult_at_risk_and_a_para_18_reason(decision: DecisionIn) -> Problems:
    """Rule 5. DPA 2018 Sch 1 para 18: safeguarding of children and of individuals at risk, only
    without consent because it cannot be given, cannot reasonably be obtained, or would prejudice
    the protection."""
    if decision.sch1_condition != Sch1Condition.SAFEGUARDING_CHILDREN_AND_INDIVIDUALS_AT_RISK:
        return {}
    problems: Problems = {}
    if decision.subject_category not in PARA_18_SUBJECTS:
        problems["subject_category"] = ("Safeguarding (Schedule 1 paragraph 18) is only for a child or "
                                        "an adult at risk: check the person or choose another condition")
    if decision.no_consent_reason not in PARA_18_REASONS:
        problems["no_consent_reason"] = ("For safeguarding (paragraph 18), say why consent was not "
                                         "obtained: it cannot be given, cannot reasonably be obtained, "
                                         "or asking would put the person's protection at risk")
    return problems


def subject_not_told_needs_a_reason(decision: DecisionIn) -> Problems:
    """Rule 6. UK GDPR Arts 13-14 and Caldicott principle 8 (inform people): a person not told
    about a decision about their information has the reason recorded."""
    if not decision.subject_informed and not is_given(decision.not_informed_reason):
        return {"not_informed_reason": "Give the reason the person was not told"}
    return {}


def consent_basis_needs_an_active_covering_consent(decision: DecisionIn, *, consent: ConsentView | None,
                                                   now: datetime) -> Problems:
    """Rule 7. UK GDPR Art 6(1)(a), 9(2)(a) and 7(3): sharing on consent needs consent in force, at
    the decision and now, covering the purpose and every recipient; once withdrawn, nothing more."""
    relies_on_consent = (decision.art6_basis == Art6Basis.CONSENT
                         or decision.art9_condition == Art9Condition.EXPLICIT_CONSENT)
    if not (relies_on_consent and records_a_share(decision.outcome)):
        return {}
    if decision.consent_status != ConsentStatus.OBTAINED:
        return {"consent_status": "Consent is the basis for sharing, so it must have been obtained: "
                                  "record that it was, or choose another basis"}
    if decision.consent_id is None:
        return {"consent_id": "Choose the consent record this share relies on"}
    if consent is None:
        return {"consent_id": "Choose a consent record of this case"}
    moments = [now]
    if decision.decided_at is not None and is_aware(decision.decided_at):
        moments.insert(0, decision.decided_at)
    for moment in moments:
        reason = why_consent_is_not_in_force(consent, moment)
        if reason is not None:
            return {"consent_id": reason}
    if decision.purpose not in consent.purposes:
        return {"consent_id": "This consent does not cover this purpose: choose another basis or "
                              "record consent that does"}
    covered = {organisation_key(agency) for agency in consent.agencies}
    for recipient in decision.recipients:
        if is_given(recipient) and organisation_key(recipient) not in covered:
            return {"consent_id": f"This consent does not cover sharing with {recipient.strip()}: "
                                  "remove them or choose another basis"}
    return {}


def sharing_needs_recipients_and_items(decision: DecisionIn) -> Problems:
    """Rule 8. ICO data sharing code and HM Government advice (2024): a record of sharing says who
    received it (named organisations and people) and what was shared."""
    if not records_a_share(decision.outcome):
        return {}
    problems: Problems = {}
    if not decision.recipients:
        problems["recipients"] = "Name who the information goes to"
    elif not all(names_an_organisation(recipient) for recipient in decision.recipients):
        problems["recipients"] = ("Name each organisation or person the information goes to, "
                                  "not a kind of agency such as police")
    if not decision.items_shared:
        problems["items_shared"] = "List the information that is shared"
    elif not all(is_given(item) for item in decision.items_shared):
        problems["items_shared"] = "Remove the blank item, or describe it"
    return problems


def part_3_needs_a_schedule_8_condition(decision: DecisionIn) -> Problems:
    """Rule 9. DPA 2018 s35(3)-(5) and Sch 8: sensitive law-enforcement (Part 3) processing needs a
    Schedule 8 condition; the hub asks for one on every Part 3 share, sensitive or not."""
    if (records_a_share(decision.outcome) and decision.regime == Regime.DPA_PART3
            and decision.sch8_condition is None):
        return {"sch8_condition": "For police law-enforcement processing (Part 3), choose the "
                                  "Schedule 8 condition"}
    return {}


def validate_decision(decision: DecisionIn, *, consent: ConsentView | None, decider: DeciderContext,
                      now: datetime) -> Problems:
    """DOMAIN.md §6 rules 1-9, all problems at once keyed by field (first message per field wins).
    ``consent`` is the case's record named by ``consent_id`` (None if there is none)."""
    return merge_problems(
        rationale_decision_maker_and_time_are_recorded(decision, now=now),
        sharing_needs_an_art6_basis(decision),
        special_category_needs_art9_and_sch1_for_9_2_g(decision),
        no_legitimate_interests_for_public_authorities(decision, decider=decider),
        confidential_without_consent_needs_public_interest_reasons(decision),
        para_18_needs_a_child_or_adult_at_risk_and_a_para_18_reason(decision),
        subject_not_told_needs_a_reason(decision),
        consent_basis_needs_an_active_covering_consent(decision, consent=consent, now=now),
        sharing_needs_recipients_and_items(decision),
        part_3_needs_a_schedule_8_condition(decision),
    )


def supersession_problems(new: DecisionIn, old: EarlierDecision | None) -> Problems:
    """Rule 10. Accountability, UK GDPR Art 5(2): a recorded decision is never edited; a correction
    is a new decision superseding one of the same case that is not already superseded.
    ``old`` is the decision ``new.supersedes`` names, or None if there is none."""
    if new.supersedes is None:
        return {}
    if old is None or old.case_id != new.case_id:
        return {"supersedes": "Choose a decision of this case to correct"}
    if old.superseded:
        return {"supersedes": "That decision has already been corrected: correct the latest one instead"}
    return {}
