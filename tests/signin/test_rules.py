"""The pure sign-in rules: local-only `next`, `max_age`, agency choice, role mapping, algorithms."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hub.signin import rules
from hub.signin.rules import TokenRejected

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("path", ["/", "/cases", "/cases/3f2a?tab=members", "/a/b%20c"])
def test_local_paths_are_kept(path):
    assert rules.safe_next_path(path) == path


@pytest.mark.parametrize(
    "path",
    [None, "", "cases", "//evil.example", "/\\evil.example", "https://evil.example/", "javascript:x",
     "/ok\nSet-Cookie: x", "/" + "a" * 600, "\\\\evil"],
)
def test_anything_but_a_local_path_is_dropped(path):
    assert rules.safe_next_path(path) is None


def test_max_age_is_whole_seconds_up_to_a_week():
    assert rules.parse_max_age(None) is None
    assert rules.parse_max_age("0") == 0
    assert rules.parse_max_age("900") == 900
    for bad in ("-1", "1.5", "abc", "604801", " 5"):
        with pytest.raises(ValueError, match="max_age"):
            rules.parse_max_age(bad)


def test_only_asymmetric_advertised_algorithms_are_allowed():
    assert rules.allowed_algorithms(["RS256", "HS256", "none", "ES256"]) == {"RS256", "ES256"}
    assert rules.allowed_algorithms(None) == {"RS256"}
    assert rules.allowed_algorithms(["HS256", "none"]) == frozenset()


def test_the_agency_comes_from_configuration_and_a_claim_only_chooses_among_it():
    assert rules.choose_agency(("POL-N",), "NHS-S1") == "POL-N"
    assert rules.choose_agency(("NHS-S1", "NHS-S2"), "NHS-S2") == "NHS-S2"
    assert rules.choose_agency(("NHS-S1", "NHS-S2"), "POL-N") is None
    assert rules.choose_agency(("NHS-S1", "NHS-S2"), None) is None
    assert rules.choose_agency(("NHS-S1", "NHS-S2"), ["NHS-S1"]) is None


def test_roles_map_through_role_map_only_and_nothing_mapped_is_nothing():
    role_map = {"safeguarding-lead": "lead", "officer": "practitioner", "boss": "superuser"}
    both = {"roles": ["safeguarding-lead", "officer"]}
    assert rules.map_roles("roles", role_map, both) == ["lead", "practitioner"]
    assert rules.map_roles("roles", role_map, {"roles": "safeguarding-lead"}) == ["lead"]
    assert rules.map_roles("roles", role_map, {"roles": ["admin"]}) == []  # unmapped value
    assert rules.map_roles("roles", role_map, {"roles": ["boss"]}) == []  # not a hub role
    assert rules.map_roles(None, role_map, {"roles": ["safeguarding-lead"]}) == []
    assert rules.map_roles("roles", role_map, {"roles": 7}) == []


ROLE_MAP = {"safeguarding-lead": "lead", "officer": "practitioner"}


@pytest.mark.parametrize(
    ("role_claim", "default_role", "claims", "current", "expected"),
    [
        ("roles", None, {"roles": ["officer"]}, None, ["practitioner"]),
        ("roles", None, {"roles": ["officer"]}, ["lead"], ["practitioner"]),  # demoted at the provider
        ("roles", None, {"roles": ["safeguarding-lead"]}, ["practitioner"], ["lead"]),
        ("roles", None, {}, None, None),  # claim missing: refused, never a silent default
        ("roles", None, {"roles": ["janitor"]}, ["lead"], None),  # maps to nothing: refused
        ("roles", "practitioner", {"roles": ["janitor"]}, ["lead"], ["practitioner"]),
        ("roles", "practitioner", {"roles": ["safeguarding-lead"]}, None, ["lead"]),
        (None, None, {"roles": ["safeguarding-lead"]}, None, ["practitioner"]),
        (None, "manager", {}, None, ["manager"]),
        (None, "manager", {"roles": ["safeguarding-lead"]}, ["ig", "lead"], ["ig", "lead"]),  # hub's own
    ],
    ids=["first", "demoted", "promoted", "claim-missing", "unmapped", "unmapped-default",
         "mapped-beats-default", "no-claim-first", "no-claim-default", "no-claim-keeps"],
)
def test_roles_at_sign_in_follow_the_claim_or_keep_the_hubs_own(role_claim, default_role, claims, current,
                                                                 expected):
    assert rules.roles_at_sign_in(role_claim=role_claim, role_map=ROLE_MAP, default_role=default_role,
                                  claims=claims, current=current) == expected


def claims(**changes):
    base = {"iss": "https://idp.example", "aud": "hub", "sub": "s-1", "nonce": "n-1",
            "iat": NOW.timestamp() - 10, "exp": NOW.timestamp() + 300, "auth_time": NOW.timestamp() - 30}
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def check(token_claims, max_age=None):
    rules.check_id_token_claims(token_claims, issuer="https://idp.example", client_id="hub", nonce="n-1",
                                max_age=max_age, now=NOW)


def test_a_correct_id_token_passes_every_check():
    check(claims())
    check(claims(aud=["hub", "other"], azp="hub"))
    check(claims(), max_age=60)


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"iss": "https://idp.example/"}, "iss_mismatch"),
        ({"aud": "hub2"}, "aud_mismatch"),
        ({"aud": None}, "aud_mismatch"),
        ({"aud": ["hub", "x"]}, "azp_missing"),
        ({"azp": "x"}, "azp_mismatch"),
        ({"exp": NOW.timestamp() - 61}, "expired"),
        ({"exp": "tomorrow"}, "exp_invalid"),
        ({"exp": True}, "exp_invalid"),
        ({"iat": NOW.timestamp() + 120}, "iat_future"),
        ({"iat": None}, "iat_invalid"),
        ({"nonce": "n-2"}, "nonce_mismatch"),
        ({"nonce": 1}, "nonce_mismatch"),
        ({"sub": None}, "sub_invalid"),
        ({"sub": "x" * 256}, "sub_invalid"),
    ],
)
def test_each_id_token_check_refuses_on_its_own(changes, code):
    with pytest.raises(TokenRejected) as refused:
        check(claims(**changes))
    assert refused.value.code == code


def test_max_age_needs_a_recent_auth_time():
    with pytest.raises(TokenRejected, match="sign in again"):
        check(claims(auth_time=NOW.timestamp() - 3600), max_age=300)
    with pytest.raises(TokenRejected) as refused:
        check(claims(auth_time=None), max_age=300)
    assert refused.value.code == "auth_time_missing"


def logout(header=None, **changes):
    base = {"iss": "https://idp.example", "aud": "hub", "iat": NOW.timestamp(), "jti": "j-1", "sub": "s-1",
            "events": {rules.BACKCHANNEL_LOGOUT_EVENT: {}}}
    base.update(changes)
    present = {k: v for k, v in base.items() if v is not None}
    rules.check_logout_token(header or {"typ": "logout+jwt"}, present, issuer="https://idp.example",
                             client_id="hub", now=NOW)


def test_logout_token_checks():
    logout()
    logout(header={}, sub=None, sid="sid-1")
    logout(header={"typ": "application/logout+jwt"})
    for header, changes, code in [
        ({"typ": "JWT"}, {}, "typ_invalid"),
        (None, {"nonce": "n"}, "nonce_present"),
        (None, {"events": {}}, "events_invalid"),
        (None, {"sub": None}, "sub_sid_missing"),
        (None, {"sid": 5}, "sid_invalid"),
        (None, {"jti": None}, "jti_invalid"),
        (None, {"iat": NOW.timestamp() - 3600}, "iat_invalid"),
        (None, {"exp": NOW.timestamp() - 3600}, "expired"),
        (None, {"aud": "other"}, "aud_mismatch"),
    ]:
        with pytest.raises(TokenRejected) as refused:
            logout(header, **changes)
        assert refused.value.code == code


ISSUER = "https://idp.police.example"


@pytest.mark.parametrize(
    ("iss", "supported", "code"),
    [(None, True, "iss_missing"), ("https://idp.other.example", False, "iss_mismatch"),
     ("https://idp.other.example", True, "iss_mismatch"), (ISSUER + "/", True, "iss_mismatch")],
)
def test_authorization_response_from_another_issuer_is_refused(iss, supported, code):
    with pytest.raises(TokenRejected) as refused:
        rules.check_response_issuer(iss, issuer=ISSUER, iss_parameter_supported=supported)
    assert refused.value.code == code


@pytest.mark.parametrize(("iss", "supported"), [(ISSUER, True), (ISSUER, False), (None, False)])
def test_authorization_response_naming_its_issuer_or_silent_where_allowed_passes(iss, supported):
    assert rules.check_response_issuer(iss, issuer=ISSUER, iss_parameter_supported=supported) is None


def test_auth_time_from_the_token_is_when_the_person_authenticated():
    stamp = int(datetime(2026, 11, 23, 11, 50, tzinfo=UTC).timestamp())
    assert rules.authenticated_at({"auth_time": stamp}, NOW) == datetime(2026, 11, 23, 11, 50, tzinfo=UTC)


@pytest.mark.parametrize("value", [None, True, "1700000000", -5, 0, 2**40, [1]])
def test_missing_or_nonsense_auth_time_counts_as_now(value):
    claims = {} if value is None else {"auth_time": value}
    assert rules.authenticated_at(claims, NOW) == NOW
