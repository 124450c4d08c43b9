"""The blind index used for repeat-MARAC detection and search (DESIGN.md invariant 4)."""

from __future__ import annotations

import hashlib
import hmac
import secrets

import pytest

from hub.crypto.blind_index import identity_index, normalise_name

KEY = secrets.token_bytes(32)


@pytest.mark.parametrize("variant", [
    "Siân O'Brien",
    "SIÂN O'BRIEN",
    "sian obrien",
    "  Sian   O\u2019Brien ",
    "Sian\tOBrien",
    "Siân O\u02bcBrien",
    "Sia\u0302n O'Brien",  # the same accent, decomposed
])
def test_case_accents_apostrophes_and_spacing_do_not_change_the_index(variant):
    assert identity_index(KEY, variant, "1984-03-09") == identity_index(KEY, "Sian OBrien", "1984-03-09")


@pytest.mark.parametrize(("one", "other"), [
    ("Zoë Smith-Jones", "zoe smith jones"),
    ("Søren Ødegård", "soren odegard"),
    ("Łukasz Straße", "lukasz strasse"),
])
def test_letters_with_their_own_folding_match_their_plain_spelling(one, other):
    assert normalise_name(one) == normalise_name(other)


def test_names_in_other_scripts_keep_their_letters_and_do_not_collide():
    assert normalise_name("Иван Петров") == "иван петров"
    assert identity_index(KEY, "Иван Петров", "1990-01-01") != identity_index(KEY, "Олег Сидоров",
                                                                              "1990-01-01")
    assert identity_index(KEY, "王伟", "1990-01-01") != identity_index(KEY, "李娜", "1990-01-01")


def test_different_people_dates_of_birth_and_keys_give_different_indexes():
    base = identity_index(KEY, "Sam O'Neill", "1990-07-01")
    assert identity_index(KEY, "Sam O'Neill", "1990-07-02") != base
    assert identity_index(KEY, "Sam ONeil", "1990-07-01") != base
    assert identity_index(secrets.token_bytes(32), "Sam O'Neill", "1990-07-01") != base
    # Words stay words: two given names are not one surname.
    assert identity_index(KEY, "Ann Marie Kay", "1990-07-01") != identity_index(KEY, "Annmarie Kay",
                                                                                "1990-07-01")


def test_the_index_is_a_keyed_hmac_not_a_bare_hash_of_the_identity():
    index = identity_index(KEY, "Sam O'Neill", "1990-07-01")
    assert len(index) == 64
    int(index, 16)
    normalised = normalise_name("Sam O'Neill")
    for message in (f"{normalised}\x1f1990-07-01", f"{normalised}1990-07-01", normalised,
                    f"hub-identity-v1\x1f{normalised}\x1f1990-07-01"):
        assert hashlib.sha256(message.encode()).hexdigest() != index
    expected = hmac.new(KEY, f"hub-identity-v1\x1f{normalised}\x1f1990-07-01".encode(),
                        hashlib.sha256).hexdigest()
    assert index == expected
    # Without the key a guess cannot be confirmed: the empty key gives something else.
    assert identity_index(b"", "Sam O'Neill", "1990-07-01") != index


def test_repeat_referral_is_found_through_the_index_even_with_a_different_spelling(client, make,
                                                                                     session):
    idva = make.agency(kind="idva")
    headers = make.headers(make.user(idva))
    first = client.post("/api/v1/cases", headers=headers, json={
        "kind": "marac", "subject": {"name": "Siân O'Brien", "date_of_birth": "1984-03-09"}})
    again = client.post("/api/v1/cases", headers=headers, json={
        "kind": "marac", "subject": {"name": "SIAN  OBRIEN", "date_of_birth": "1984-03-09"}})
    assert first.status_code == again.status_code == 201
    assert first.json["flags"] == []
    assert again.json["flags"] == ["repeat"]
