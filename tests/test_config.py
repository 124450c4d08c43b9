"""Configuration: the environment and the HUB_CONFIG TOML file (DESIGN.md §3)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.config import ConfigError, Policy, SmtpConfig, load_settings

PROVIDERS = """
[[providers]]
name = "police"
title = "Northshire Police"
issuer = "https://idp.police.example"
client_id = "hub"
client_secret_env = "HUB_POLICE_SECRET"
agencies = ["POL-NS"]
scopes = ["openid", "profile", "email", "roles"]
role_claim = "roles"
default_role = "practitioner"
role_map = { "safeguarding-lead" = "lead", "officer" = "practitioner" }

[[providers]]
name = "nhs"
title = "Northshire Mental Health NHS Foundation Trust"
issuer = "https://login.nmh.example/realms/staff"
client_id = "safeguarding-hub"
client_secret_env = "HUB_NHS_SECRET"
agencies = ["NMH-NS", "NMH-EAST"]
"""

GOOD_PROVIDER = """
[[providers]]
name = "police"
title = "Northshire Police"
issuer = "https://idp.police.example"
client_id = "hub"
client_secret_env = "HUB_POLICE_SECRET"
agencies = ["POL-NS"]
"""


def settings_from(tmp_path: Path, toml: str, **env: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "hub.toml"
    path.write_text(toml, encoding="utf-8")
    return load_settings({"HUB_CONFIG": str(path), **env})


def refusal(tmp_path: Path, toml: str) -> str:
    with pytest.raises(ConfigError) as caught:
        settings_from(tmp_path, toml)
    return str(caught.value)


def test_without_a_config_file_the_documented_defaults_apply():
    settings = load_settings({})
    assert settings.providers == ()
    assert settings.policy == Policy()
    assert settings.policy.timezone == "Europe/London"
    assert settings.policy.session_idle_minutes == 30
    assert settings.policy.session_absolute_hours == 12
    assert settings.smtp == SmtpConfig()
    assert settings.base_url == "http://127.0.0.1:5000"
    assert settings.database_url.startswith("sqlite:///")
    assert settings.database_url.endswith("instance/hub.db")
    assert settings.secret_key is None
    assert settings.keyring_path is None


def test_environment_variables_are_read():
    settings = load_settings({
        "HUB_DATABASE_URL": "postgresql+psycopg://hub@db.internal/hub",
        "HUB_SECRET_KEY": "s3cret",
        "HUB_KEYRING": "/etc/hub/keyring.json",
        "HUB_BASE_URL": "https://hub.northshire.example/",
        "HUB_PROXY_FIX": "1",
    })
    assert settings.database_url == "postgresql+psycopg://hub@db.internal/hub"
    assert settings.secret_key == "s3cret"
    assert settings.keyring_path == Path("/etc/hub/keyring.json")
    assert settings.base_url == "https://hub.northshire.example"
    assert settings.proxy_fix == 1


def test_the_providers_table_is_read_as_documented(tmp_path, monkeypatch):
    settings = settings_from(tmp_path, PROVIDERS)
    police, nhs = settings.providers
    assert police.name == "police"
    assert police.title == "Northshire Police"
    assert police.issuer == "https://idp.police.example"
    assert police.client_id == "hub"
    assert police.agencies == ("POL-NS",)
    assert police.role_claim == "roles"
    assert police.role_map == {"safeguarding-lead": "lead", "officer": "practitioner"}
    assert police.scopes == ("openid", "profile", "email", "roles")
    assert police.default_role == "practitioner"
    assert nhs.agencies == ("NMH-NS", "NMH-EAST")
    assert nhs.role_claim is None
    assert nhs.role_map == {}
    assert nhs.scopes == ("openid", "profile", "email")  # the documented default
    assert nhs.default_role is None
    assert settings.provider("nhs") is nhs
    assert settings.provider("council") is None
    # The secret itself stays in the environment, never in the file.
    monkeypatch.setenv("HUB_POLICE_SECRET", "from-the-environment")
    assert police.client_secret == "from-the-environment"
    monkeypatch.delenv("HUB_POLICE_SECRET")
    assert police.client_secret is None


def test_smtp_and_base_url_from_the_file(tmp_path):
    settings = settings_from(tmp_path, """
base_url = "https://hub.northshire.example"
[smtp]
host = "mail.northshire.example"
port = 587
sender = "safeguarding-hub@northshire.example"
starttls = true
username_env = "HUB_SMTP_USER"
password_env = "HUB_SMTP_PASSWORD"
""")
    assert settings.smtp == SmtpConfig(host="mail.northshire.example", port=587,
                                       sender="safeguarding-hub@northshire.example", starttls=True,
                                       username_env="HUB_SMTP_USER", password_env="HUB_SMTP_PASSWORD")
    assert settings.base_url == "https://hub.northshire.example"


def test_the_environment_base_url_wins_over_the_file(tmp_path):
    settings = settings_from(tmp_path, 'base_url = "https://file.example"',
                             HUB_BASE_URL="https://env.example")
    assert settings.base_url == "https://env.example"


def test_policy_overrides_replace_only_the_settings_given(tmp_path):
    settings = settings_from(tmp_path, """
[policy]
session_idle_minutes = 20
timezone = "Europe/Belfast"
escalation_grace_working_days = 0
""")
    assert settings.policy.session_idle_minutes == 20
    assert settings.policy.timezone == "Europe/Belfast"
    assert settings.policy.escalation_grace_working_days == 0
    assert settings.policy.session_absolute_hours == 12


@pytest.mark.parametrize(("toml", "expected"), [
    ("[policy]\nsession_idle_minuets = 20", "[policy] has unknown settings: session_idle_minuets"),
    ('[policy]\nsession_idle_minutes = "20"', "[policy] session_idle_minutes must be a whole number"),
    ("[policy]\nsession_idle_minutes = 20.5", "[policy] session_idle_minutes must be a whole number"),
    ("[policy]\nsession_idle_minutes = true", "[policy] session_idle_minutes must be a whole number"),
    ("[policy]\nsession_absolute_hours = 0", "[policy] session_absolute_hours must be at least 1"),
    ("[policy]\nmarac_repeat_months = -3", "[policy] marac_repeat_months must be at least 1"),
    ("[policy]\ntimezone = 1", "[policy] timezone must be a string"),
    ('[policy]\ntimezone = "Mars/Olympus_Mons"', "[policy] timezone 'Mars/Olympus_Mons' is not a known"),
    ('policy = "strict"', "[policy] must be a table"),
])
def test_bad_policy_settings_are_refused_naming_the_setting(tmp_path, toml, expected):
    assert expected in refusal(tmp_path, toml)


@pytest.mark.parametrize(("toml", "expected"), [
    ('[smtp]\nhots = "mail.example"', "[smtp] has unknown settings: hots"),
    ('[smtp]\nport = "587"', "[smtp] port must be a whole number"),
    ("[smtp]\nport = 70000", "[smtp] port must be between 1 and 65535"),
    ('[smtp]\nstarttls = "yes"', "[smtp] starttls must be true or false"),
    ('[smtp]\nhost = ""', "[smtp] host must not be empty"),
    ("[smtp]\nusername_env = 5", "[smtp] username_env must be a string"),
])
def test_bad_smtp_settings_are_refused_naming_the_setting(tmp_path, toml, expected):
    assert expected in refusal(tmp_path, toml)


@pytest.mark.parametrize(("change", "expected"), [
    (("agencies = [\"POL-NS\"]\n", ""), "[[providers]] 'police' is missing agencies"),
    (("agencies = [\"POL-NS\"]", "agencies = []"), "agencies must be a non-empty list"),
    (("agencies = [\"POL-NS\"]", "agencies = \"POL-NS\""), "agencies must be a non-empty list"),
    (("client_id = \"hub\"", "client_id = 7"), "[[providers]] 'police' client_id must be a string"),
    (("client_id = \"hub\"", "client_id = \"hub\"\nclient_secret = \"oops\""),
     "[[providers]] 'police' has unknown settings: client_secret"),
    (("name = \"police\"", "name = \"Police Force\""), "name must be a short lower-case slug"),
    (("https://idp.police.example", "http://idp.police.example"), "issuer must be an https URL"),
    (("https://idp.police.example", "https://idp.police.example/?x=1"), "issuer must be an https URL"),
    (("https://idp.police.example", "idp.police.example"), "issuer must be an https URL"),
    (("agencies = [\"POL-NS\"]", "agencies = [\"POL-NS\"]\nrole_map = { \"boss\" = \"overlord\" }"),
     "role_map maps 'boss' to 'overlord', which is not a hub role"),
    (("agencies = [\"POL-NS\"]", "agencies = [\"POL-NS\"]\nrole_map = \"lead\""), "role_map must be a table"),
    (("agencies = [\"POL-NS\"]", "agencies = [\"POL-NS\"]\ndefault_role = \"boss\""),
     "[[providers]] 'police' default_role 'boss' is not a hub role (admin, auditor, ig, lead, manager, "
     "practitioner)"),
    (("agencies = [\"POL-NS\"]", "agencies = [\"POL-NS\"]\ndefault_role = [\"lead\"]"),
     "[[providers]] 'police' default_role must be a string"),
    (("agencies = [\"POL-NS\"]", "agencies = [\"POL-NS\"]\ndefault_role = \"\""),
     "[[providers]] 'police' default_role must not be empty"),
    (("agencies = [\"POL-NS\"]", "agencies = [\"POL-NS\"]\nscopes = [\"profile\", \"email\"]"),
     "[[providers]] 'police' scopes must include \"openid\""),
    (("agencies = [\"POL-NS\"]", "agencies = [\"POL-NS\"]\nscopes = []"), "scopes must include \"openid\""),
    (("agencies = [\"POL-NS\"]", "agencies = [\"POL-NS\"]\nscopes = \"openid profile\""),
     "[[providers]] 'police' scopes must be a list of strings"),
    (("agencies = [\"POL-NS\"]", "agencies = [\"POL-NS\"]\nscopes = [\"openid\", 7]"),
     "scopes must be a list of strings"),
    (("agencies = [\"POL-NS\"]", "agencies = [\"POL-NS\"]\nscopes = [\"openid profile\"]"),
     "scopes has 'openid profile', which is not a scope"),
    (("agencies = [\"POL-NS\"]", "agencies = [\"POL-NS\"]\nscopes = [\"openid\", \"\"]"),
     "scopes has '', which is not a scope"),
    (("agencies = [\"POL-NS\"]", "agencies = [\"POL-NS\"]\nscopes = [\"openid\", \"roles\\n\"]"),
     "which is not a scope"),
    (("agencies = [\"POL-NS\"]", "agencies = [\"POL-NS\"]\nscopes = [\"openid\", \"email\", \"email\"]"),
     "scopes lists 'email' more than once"),
])
def test_bad_provider_settings_are_refused_naming_the_setting(tmp_path, change, expected):
    old, new = change
    assert old in GOOD_PROVIDER
    assert expected in refusal(tmp_path, GOOD_PROVIDER.replace(old, new))


def test_a_loopback_issuer_may_use_plain_http_for_the_demo_and_tests(tmp_path):
    toml = GOOD_PROVIDER.replace("https://idp.police.example", "http://127.0.0.1:9000/police")
    assert settings_from(tmp_path, toml).providers[0].issuer == "http://127.0.0.1:9000/police"


def test_two_providers_with_the_same_name_or_issuer_are_refused(tmp_path):
    assert "name 'police' is configured twice" in refusal(tmp_path, GOOD_PROVIDER * 2)
    renamed = GOOD_PROVIDER + GOOD_PROVIDER.replace('name = "police"', 'name = "police2"')
    assert "issuer 'https://idp.police.example' is configured twice" in refusal(tmp_path, renamed)


def test_providers_written_as_a_single_table_are_refused_with_a_hint(tmp_path):
    message = refusal(tmp_path, GOOD_PROVIDER.replace("[[providers]]", "[providers]"))
    assert "[[providers]]" in message


def test_an_unknown_top_level_table_is_refused(tmp_path):
    message = refusal(tmp_path, "[polcy]\nsession_idle_minutes = 20")
    assert "unknown settings: polcy" in message


def test_a_missing_config_file_is_refused_naming_the_path(tmp_path):
    missing = tmp_path / "nowhere.toml"
    with pytest.raises(ConfigError, match="HUB_CONFIG file not found") as caught:
        load_settings({"HUB_CONFIG": str(missing)})
    assert str(missing) in str(caught.value)


def test_bad_toml_is_refused_with_the_line(tmp_path):
    message = refusal(tmp_path, "[policy]\nsession_idle_minutes = = 3\n")
    assert "is not valid TOML" in message
    assert "line 2" in message


@pytest.mark.parametrize(("env", "expected"), [
    ({"HUB_PROXY_FIX": "two"}, "HUB_PROXY_FIX must be a whole number"),
    ({"HUB_PROXY_FIX": "-1"}, "HUB_PROXY_FIX must not be negative"),
    ({"HUB_BASE_URL": "hub.example.org"}, "HUB_BASE_URL must be an http(s) URL"),
])
def test_bad_environment_values_are_refused_naming_the_variable(env, expected):
    with pytest.raises(ConfigError) as caught:
        load_settings(env)
    assert expected in str(caught.value)
