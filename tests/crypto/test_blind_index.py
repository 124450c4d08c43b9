"""The blind index used for repeat-MARAC detection and search (DESIGN.md invariant 4).

The index matches a person however their name was *typed* (case, accents, apostrophes and
hyphens of any keyboard or font, spacing, fullwidth and mathematical letters) and never matches
a different *spelling*: it is exact matching on a keyed hash, so a wrong match would link two
people's cases and a fuzzy one cannot be computed without the plaintext.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.crypto.blind_index import INDEX_VERSION, identity_index, normalise_name, unmatchable_index

KEY = secrets.token_bytes(32)
DOB = "1984-03-09"

# (one spelling, another, why they are the same person's name as typed)
MUST_MATCH = [
    # Irish: the apostrophe of every keyboard, font and word processor, or none.
    ("Siobhán O'Brien", "Siobhan OBrien", "accent and ASCII apostrophe dropped"),
    ("Siobhán O\u2019Brien", "siobhan obrien", "right single quotation mark (Word's apostrophe)"),
    ("Siobhán O\u2018Brien", "Siobhan O'Brien", "left single quotation mark"),
    ("Siobhán O\uff07Brien", "Siobhan O'Brien", "fullwidth apostrophe"),
    ("Siobhán O\u02bcBrien", "Siobhan O'Brien", "modifier letter apostrophe"),
    ("Siobhán O`Brien", "Siobhan O'Brien", "grave accent typed for an apostrophe"),
    ("Siobhán O\u00b4Brien", "Siobhan O'Brien", "acute accent typed for an apostrophe"),
    ("Pádraig Ó Briain", "PADRAIG O BRIAIN", "Irish form: fada and case"),
    ("Seán Mac Giolla Phádraig", "sean mac giolla phadraig", "Irish form, several words"),
    # Welsh: circumflex often lost by systems that cannot type it.
    ("Siân Llŷr", "Sian Llyr", "Welsh circumflexes"),
    ("Gwenllïan ap Rhys", "gwenllian ap rhys", "diaeresis"),
    # Polish: letters that do not decompose (Ł) and ones that do (ó, ż, ć, ś).
    ("Łukasz Wróblewski", "Lukasz Wroblewski", "Ł folds to L"),
    ("Małgorzata Żółć", "malgorzata zolc", "dot above, acute, ogonek-free"),
    ("Wojciech Świątek", "Wojciech Swiatek", "ogonek and acute"),
    # Arabic transliterations: hyphen, space and dash variants of the article, and the signs
    # for ayn/hamza and dotted or macroned letters of scholarly transliteration.
    ("Abd al-Rahman", "Abd al Rahman", "hyphen separates words"),
    ("Abd Al-Rahman", "abd al rahman", "capital article"),
    ("Abd\u2010al\u2010Rahman", "Abd al Rahman", "U+2010 hyphen"),
    ("Abd\u2011al\u2011Rahman", "Abd al Rahman", "non-breaking hyphen"),
    ("Abd\u2013al\u2013Rahman", "Abd al Rahman", "en dash"),
    ("Abd\u2014al\u2014Rahman", "Abd al Rahman", "em dash"),
    ("Abd\u2212al\u2212Rahman", "Abd al Rahman", "minus sign"),
    ("Abd\uff0dal\uff0dRahman", "Abd al Rahman", "fullwidth hyphen-minus"),
    ("\u02bfAbd al-Ra\u1e25m\u0101n", "Abd al Rahman", "ayn sign, dot below, macron"),
    ("Sa\u02bfid al-Qur\u02beani", "Said al Qurani", "ayn and hamza signs vanish inside a word"),
    ("Muhammad Al Hassan", "muhammad al-hassan", "'Al ' and 'al-' are the same article"),
    # Hyphenated English names and spacing.
    ("Zoë Smith-Jones", "zoe smith jones", "hyphen and diaeresis"),
    ("Sam  O'Neill", "sam oneill", "double space"),
    ("  Sam\tO'Neill \n", "Sam O'Neill", "tabs, newlines, leading and trailing space"),
    ("Sam\u00a0O'Neill", "Sam O'Neill", "non-breaking space"),
    ("Sam\u3000O'Neill", "Sam O'Neill", "ideographic space"),
    ("Sa\u200bm O'Ne\u00adill", "Sam O'Neill", "zero-width space and soft hyphen vanish"),
    # Compatibility forms: what copy and paste from other systems brings.
    ("\u210carry Potter", "harry potter", "mathematical fraktur capital H"),
    ("\U0001d407\U0001d41a\U0001d42b\U0001d42b\U0001d432 Potter", "Harry Potter",
     "mathematical bold letters"),
    ("".join(chr(ord(c) + 0xfee0) for c in "Harry") + " Potter", "Harry Potter",
     "fullwidth letters"),
    ("Sia\u0302n O'Brien", "Siân O'Brien", "the same accent, decomposed"),
    ("\ufb01ona Smith", "Fiona Smith", "fi ligature"),
    # Other European letters.
    ("Søren Ødegård", "soren odegard", "ø does not decompose"),
    ("Jürgen Straße", "jurgen strasse", "ß casefolds to ss"),
    ("\u0130pek Y\u0131lmaz", "ipek yilmaz", "Turkish dotted capital and dotless small i"),
    ("Jordi Col·lell", "jordi collell", "Catalan middle dot"),
    # Other scripts keep their letters; their optional vowel marks go.
    ("\u0645\u064f\u062d\u064e\u0645\u0651\u064e\u062f", "\u0645\u062d\u0645\u062f",
     "Arabic harakat are optional"),
]

# (one name, another, why they must not collide)
MUST_NOT_MATCH = [
    ("Ann Marie Kay", "Annmarie Kay", "two given names are not one: words stay words"),
    ("Sam O'Neill", "Sam ONeil", "a different spelling"),
    ("Rhys Evans", "Rees Evans", "Welsh and English spellings of a name are different spellings"),
    ("Abd al-Rahman", "Abdul Rahman", "transliterations with different letters"),
    ("Muhammad Al Hassan", "Muhammad Alhassan", "article joined to the name is another spelling"),
    ("Muhammad Al Hassan", "Muhammad El Hassan", "transliterations with different letters"),
    ("Pádraig Ó Briain", "Patrick O'Brien", "Irish and anglicised forms are different names"),
    ("Иван Петров", "Олег Сидоров", "Cyrillic names keep their letters"),
    ("王伟", "李娜", "Chinese names keep their characters"),
    ("\u304c\u304f", "\u304b\u304f", "kana voicing marks make a different syllable (Gaku, Kaku)"),
    ("\u0915\u094d\u0937\u092e\u093e", "\u0915\u0937\u092e\u093e", "a virama makes a conjunct"),
    ("\u0915\u0941\u092e\u093e\u0930", "\u0915 \u092e\u093e\u0930",
     "Indic vowel signs are letters of the word, not separators"),
]


@pytest.mark.parametrize(("one", "other", "why"), MUST_MATCH, ids=[w for _o, _t, w in MUST_MATCH])
def test_spellings_of_the_same_name_as_typed_give_the_same_index(one, other, why):
    assert normalise_name(one) == normalise_name(other), why
    assert identity_index(KEY, one, DOB) == identity_index(KEY, other, DOB), why


@pytest.mark.parametrize(("one", "other", "why"), MUST_NOT_MATCH,
                         ids=[w for _o, _t, w in MUST_NOT_MATCH])
def test_different_names_never_collide(one, other, why):
    assert normalise_name(one), one
    assert normalise_name(one) != normalise_name(other), why
    assert identity_index(KEY, one, DOB) != identity_index(KEY, other, DOB), why


@pytest.mark.parametrize("name", ["", "   ", "-", "--", "'", "' - '", "\u2019\u2013\u2019", "...",
                                  "\u200b\u00ad", "()", "\uff07\uff0d"])
def test_a_name_that_normalises_to_nothing_is_refused(name):
    # Before, every such name was indexed as "" and all of them collided.
    assert normalise_name(name) == ""
    with pytest.raises(ValueError, match="no letters"):
        identity_index(KEY, name, DOB)


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=40))
def test_normalising_a_normalised_name_changes_nothing(name):
    # Whatever wrote an index (a referral, the reindex, a search) gets the same one.
    once = normalise_name(name)
    assert normalise_name(once) == once
    assert once == " ".join(once.split())


def test_names_in_other_scripts_keep_their_letters():
    assert normalise_name("Иван Петров") == "иван петров"
    assert normalise_name("王伟") == "王伟"


def test_different_dates_of_birth_and_keys_give_different_indexes():
    base = identity_index(KEY, "Sam O'Neill", "1990-07-01")
    assert identity_index(KEY, "Sam O'Neill", "1990-07-02") != base
    assert identity_index(secrets.token_bytes(32), "Sam O'Neill", "1990-07-01") != base


def test_the_index_is_a_keyed_hmac_not_a_bare_hash_of_the_identity():
    index = identity_index(KEY, "Sam O'Neill", "1990-07-01")
    assert len(index) == 64
    int(index, 16)
    normalised = normalise_name("Sam O'Neill")
    for message in (f"{normalised}\x1f1990-07-01", f"{normalised}1990-07-01", normalised,
                    f"hub-identity-v2\x1f{normalised}\x1f1990-07-01"):
        assert hashlib.sha256(message.encode()).hexdigest() != index
    expected = hmac.new(KEY, f"hub-identity-v2\x1f{normalised}\x1f1990-07-01".encode(),
                        hashlib.sha256).hexdigest()
    assert index == expected
    # Without the key a guess cannot be confirmed: the empty key gives something else.
    assert identity_index(b"", "Sam O'Neill", "1990-07-01") != index


def test_the_index_version_changed_with_the_normalisation():
    # Indexes written under v1 must be recomputed (`hub keys reindex`), never compared.
    assert INDEX_VERSION == b"hub-identity-v2"
    v1 = hmac.new(KEY, b"hub-identity-v1\x1fsam oneill\x1f1990-07-01", hashlib.sha256).hexdigest()
    assert identity_index(KEY, "Sam O'Neill", "1990-07-01") != v1


def test_an_unmatchable_index_matches_no_identity_and_no_other_row():
    a, b = unmatchable_index(KEY, "row-a"), unmatchable_index(KEY, "row-b")
    assert a != b
    assert a == unmatchable_index(KEY, "row-a")
    assert a not in {identity_index(KEY, name, "row-a") for name in ("unmatchable", "row a")}


def test_repeat_referral_is_found_through_the_index_even_with_a_different_spelling(client, make):
    idva = make.agency(kind="idva")
    headers = make.headers(make.user(idva))
    first = client.post("/api/v1/cases", headers=headers, json={
        "kind": "marac", "subject": {"name": "Siân O\u2019Brien", "date_of_birth": "1984-03-09"}})
    again = client.post("/api/v1/cases", headers=headers, json={
        "kind": "marac", "subject": {"name": "SIAN  O\uff07BRIEN", "date_of_birth": "1984-03-09"}})
    assert first.status_code == again.status_code == 201
    assert first.json["flags"] == []
    assert again.json["flags"] == ["repeat"]


@pytest.mark.parametrize("name", ["--", "'", "\u2019 \u2013 \u2019", "\u200b"])
def test_the_api_refuses_a_subject_name_without_letters(client, make, name):
    headers = make.headers(make.user(make.agency()))
    response = client.post("/api/v1/cases", headers=headers, json={
        "kind": "marac", "subject": {"name": name, "date_of_birth": "1984-03-09"}})
    assert response.status_code == 422, response.json
    assert response.mimetype == "application/problem+json"
    assert set(response.json["errors"]) == {"subject.name"}
    assert client.get("/api/v1/cases", headers=headers).json["cases"] == []
