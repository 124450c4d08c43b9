"""The words of lawful disclosure (DOMAIN.md §6, DESIGN.md §4): one ``StrEnum`` per choice.

The values are the API's and the forms' values. Where DOMAIN.md gives a code it is used as is;
where it gives only prose the hub's snake_case value is listed here, so that the API, the forms
and the reports share one vocabulary:

- subject category: ``child``, ``adult_at_risk``, ``adult``, ``alleged_perpetrator``, ``third_party``
- direction: ``proactive``, ``on_request``
- regime: ``uk_gdpr``, ``dpa_part3`` (DPA 2018 Part 3, police law-enforcement processing)
- Art 9 condition: ``9_2_g``, ``9_2_h``, ``9_2_b``, ``9_2_c``, ``9_2_a``
- Schedule 1 condition: ``para_6``, ``para_10``, ``para_18``
- Schedule 8 condition: ``sch8_1``, ``sch8_2``, ``sch8_3``, ``sch8_4``
- legal power or gateway: ``crime_and_disorder_act_1998_s115``, ``care_act_2014_s42``,
  ``care_act_2014_s45``, ``children_act_2004_s11``, ``children_act_2004_s16``, ``common_law``,
  ``court_order``
- confidentiality set aside on: ``consent``, ``public_interest``, ``statutory_duty``, ``court_order``
- consent status (of a decision): ``obtained``, ``refused``, ``not_sought``, ``withdrawn``,
  ``lacks_capacity``
- advice sought: ``manager``, ``safeguarding_lead``, ``dpo``, ``caldicott_guardian``, ``legal``
- consent given by: ``self``, ``parental_responsibility``, ``attorney``, ``deputy``, ``other``
- consent type: ``explicit``, ``implied``
- capacity outcome: ``has_capacity``, ``lacks_capacity``
- consent method (how the person was told): ``written``, ``verbal``, ``electronic``
- consent record status: ``active``, ``withdrawn``, ``expired``, ``superseded``

Purpose, Art 6 basis, no-consent reason and outcome use DOMAIN.md's codes exactly.
"""

from __future__ import annotations

import enum


class SubjectCategory(enum.StrEnum):
    CHILD = "child"
    ADULT_AT_RISK = "adult_at_risk"
    ADULT = "adult"
    ALLEGED_PERPETRATOR = "alleged_perpetrator"
    THIRD_PARTY = "third_party"


class Direction(enum.StrEnum):
    PROACTIVE = "proactive"
    ON_REQUEST = "on_request"


class Purpose(enum.StrEnum):
    SAFEGUARD_CHILD = "safeguard_child"
    SAFEGUARD_ADULT_AT_RISK = "safeguard_adult_at_risk"
    PREVENT_DETECT_CRIME = "prevent_detect_crime"
    MARAC = "marac"
    MAPPA = "mappa"
    SAB_S45_REQUEST = "sab_s45_request"
    S42_ENQUIRY = "s42_enquiry"
    DIRECT_CARE = "direct_care"
    EMERGENCY_LIFE_OR_SERIOUS_HARM = "emergency_life_or_serious_harm"
    COURT_ORDER = "court_order"
    LEGAL_OBLIGATION_OTHER = "legal_obligation_other"


class Regime(enum.StrEnum):
    UK_GDPR = "uk_gdpr"
    DPA_PART3 = "dpa_part3"


class Art6Basis(enum.StrEnum):
    """UK GDPR Art 6(1)(a)-(f)."""

    CONSENT = "consent"
    CONTRACT = "contract"
    LEGAL_OBLIGATION = "legal_obligation"
    VITAL_INTERESTS = "vital_interests"
    PUBLIC_TASK = "public_task"
    LEGITIMATE_INTERESTS = "legitimate_interests"


class Art9Condition(enum.StrEnum):
    """UK GDPR Art 9(2): the conditions a safeguarding share of special-category data relies on."""

    SUBSTANTIAL_PUBLIC_INTEREST = "9_2_g"
    HEALTH_AND_SOCIAL_CARE = "9_2_h"
    SOCIAL_PROTECTION = "9_2_b"
    VITAL_INTERESTS = "9_2_c"
    EXPLICIT_CONSENT = "9_2_a"


class Sch1Condition(enum.StrEnum):
    """DPA 2018 Schedule 1 Part 2 (substantial public interest) conditions."""

    STATUTORY_PURPOSES = "para_6"
    PREVENTING_OR_DETECTING_UNLAWFUL_ACTS = "para_10"
    SAFEGUARDING_CHILDREN_AND_INDIVIDUALS_AT_RISK = "para_18"


class Sch8Condition(enum.StrEnum):
    """DPA 2018 Schedule 8 conditions for sensitive law-enforcement processing (Part 3)."""

    STATUTORY_PURPOSES = "sch8_1"
    ADMINISTRATION_OF_JUSTICE = "sch8_2"
    VITAL_INTERESTS = "sch8_3"
    SAFEGUARDING = "sch8_4"


class LegalPower(enum.StrEnum):
    CRIME_AND_DISORDER_ACT_1998_S115 = "crime_and_disorder_act_1998_s115"
    CARE_ACT_2014_S42 = "care_act_2014_s42"
    CARE_ACT_2014_S45 = "care_act_2014_s45"
    CHILDREN_ACT_2004_S11 = "children_act_2004_s11"
    CHILDREN_ACT_2004_S16 = "children_act_2004_s16"
    COMMON_LAW = "common_law"
    COURT_ORDER = "court_order"


class ConfidentialityOverride(enum.StrEnum):
    """On what the common-law duty of confidence is set aside."""

    CONSENT = "consent"
    PUBLIC_INTEREST = "public_interest"
    STATUTORY_DUTY = "statutory_duty"
    COURT_ORDER = "court_order"


class ConsentStatus(enum.StrEnum):
    """Where consent stood when the decision was made."""

    OBTAINED = "obtained"
    REFUSED = "refused"
    NOT_SOUGHT = "not_sought"
    WITHDRAWN = "withdrawn"
    LACKS_CAPACITY = "lacks_capacity"


class NoConsentReason(enum.StrEnum):
    WOULD_INCREASE_RISK_OF_HARM = "would_increase_risk_of_harm"
    WOULD_PREJUDICE_CRIME_PREVENTION_DETECTION_PROSECUTION = (
        "would_prejudice_crime_prevention_detection_prosecution"
    )
    UNJUSTIFIED_DELAY = "unjustified_delay"
    CANNOT_BE_GIVEN = "cannot_be_given"
    CANNOT_REASONABLY_BE_OBTAINED = "cannot_reasonably_be_obtained"
    WOULD_PREJUDICE_PROTECTION = "would_prejudice_protection"
    LACKS_CAPACITY = "lacks_capacity"
    CONSENT_NOT_LAWFUL_BASIS = "consent_not_lawful_basis"
    EMERGENCY = "emergency"


class Outcome(enum.StrEnum):
    SHARE_FULL = "share_full"
    SHARE_PARTIAL_MINIMISED = "share_partial_minimised"
    SHARE_ANONYMISED = "share_anonymised"
    DO_NOT_SHARE = "do_not_share"
    DEFERRED_ADVICE_SOUGHT = "deferred_advice_sought"
    REFER_TO_ORIGINATING_AGENCY = "refer_to_originating_agency"


class AdviceSought(enum.StrEnum):
    MANAGER = "manager"
    SAFEGUARDING_LEAD = "safeguarding_lead"
    DPO = "dpo"
    CALDICOTT_GUARDIAN = "caldicott_guardian"
    LEGAL = "legal"


class ConsentGivenBy(enum.StrEnum):
    SELF = "self"
    PARENTAL_RESPONSIBILITY = "parental_responsibility"
    ATTORNEY = "attorney"
    DEPUTY = "deputy"
    OTHER = "other"


class ConsentType(enum.StrEnum):
    EXPLICIT = "explicit"
    IMPLIED = "implied"


class CapacityOutcome(enum.StrEnum):
    """Mental Capacity Act 2005 ss2-3, for this decision at this time."""

    HAS_CAPACITY = "has_capacity"
    LACKS_CAPACITY = "lacks_capacity"


class ConsentMethod(enum.StrEnum):
    WRITTEN = "written"
    VERBAL = "verbal"
    ELECTRONIC = "electronic"


class ConsentRecordStatus(enum.StrEnum):
    ACTIVE = "active"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"
    SUPERSEDED = "superseded"


# Schedule 1 para 18(3): the only reasons para 18 allows for processing without consent.
PARA_18_REASONS = frozenset({
    NoConsentReason.CANNOT_BE_GIVEN,
    NoConsentReason.CANNOT_REASONABLY_BE_OBTAINED,
    NoConsentReason.WOULD_PREJUDICE_PROTECTION,
})
# Para 18(1)(a)-(b): children and individuals at risk.
PARA_18_SUBJECTS = frozenset({SubjectCategory.CHILD, SubjectCategory.ADULT_AT_RISK})
