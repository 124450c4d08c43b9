"""Configuration from the environment and the optional HUB_CONFIG TOML file (DESIGN.md §3)."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hub.agencies.models import Role

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE = ROOT / "instance"
DEFAULT_BASE_URL = "http://127.0.0.1:5000"
DEFAULT_SCOPES = ("openid", "profile", "email")


class ConfigError(Exception):
    """Raised for a missing or malformed setting; the message names the setting."""


@dataclass(frozen=True)
class ProviderConfig:
    """One OpenID Connect provider and the agencies its issuer may vouch for (invariant 3)."""

    name: str
    title: str
    issuer: str
    client_id: str
    client_secret_env: str
    agencies: tuple[str, ...]
    role_claim: str | None = None
    role_map: dict[str, str] = field(default_factory=dict)
    # The role when `role_claim` is set but maps to nothing (else such a sign-in is refused), and
    # the first role of a person whose provider has no `role_claim` (else practitioner).
    default_role: str | None = None
    # Sent in every authorization request; providers such as Keycloak or NHS CIS2 release roles
    # only under a scope of their own (`roles`, `nationalrbacaccess`).
    scopes: tuple[str, ...] = DEFAULT_SCOPES

    @property
    def client_secret(self) -> str | None:
        return os.environ.get(self.client_secret_env)


@dataclass(frozen=True)
class SmtpConfig:
    host: str = "127.0.0.1"
    port: int = 1025
    sender: str = "safeguarding-hub@localhost"
    starttls: bool = False
    username_env: str | None = None
    password_env: str | None = None

    @classmethod
    def from_mapping(cls, data: object) -> SmtpConfig:
        """Read [smtp]; every key is checked by name and type."""
        table = _table(data, "[smtp]")
        _refuse_unknown(table, _field_names(cls), "[smtp]")
        values: dict[str, Any] = {}
        for key, value in table.items():
            expected = str if key in ("username_env", "password_env") else type(getattr(cls(), key))
            values[key] = _typed(value, expected, f"[smtp] {key}")
        if not 1 <= values.get("port", cls.port) <= 65535:
            raise ConfigError("[smtp] port must be between 1 and 65535")
        if not values.get("host", cls.host).strip():
            raise ConfigError("[smtp] host must not be empty")
        return cls(**values)


# Contributory factors a review chooses from (after the Yorkshire Contributory Factors Framework
# used with NHS England's Patient Safety Incident Response Framework, and the themes of the
# national analyses of SARs): local, overridable in [policy] review_factors.
DEFAULT_REVIEW_FACTORS = ("information_sharing", "communication", "multi_agency_working",
                          "risk_assessment", "escalation", "policy_and_procedure", "supervision",
                          "training_and_skills", "workload_and_staffing", "record_keeping",
                          "engagement_with_the_person", "mental_capacity", "environment_and_equipment")
DEFAULT_INDICATORS = ("mood", "sleep", "appetite", "self_care", "engagement", "agitation",
                      "self_harm_thoughts", "substance_use", "missed_medication")


@dataclass(frozen=True)
class ObservationPolicy:
    """[policy.observations]: the daily wellbeing indicators and the thresholds that raise an
    alert (DOMAIN.md §11, every default local). A threshold of 0 is switched off."""

    indicators: tuple[str, ...] = DEFAULT_INDICATORS
    scale_max: int = 3
    # Any indicator scored this or more.
    any_indicator_at: int = 3
    # Named indicators at their own, lower level: thoughts of self-harm at 2 or more.
    indicator_at: Mapping[str, int] = field(default_factory=lambda: {"self_harm_thoughts": 2},
                                            hash=False)
    # The total up by this much against the mean of the previous `total_rise_days` days' totals.
    total_rise: int = 5
    total_rise_days: int = 3
    # No observation for this many days on a case where daily observation is agreed.
    missing_days: int = 3
    # An alert not acknowledged within this many working hours goes to the agency's managers.
    acknowledge_working_hours: int = 4

    @classmethod
    def from_mapping(cls, data: object) -> ObservationPolicy:
        where = "[policy.observations]"
        table = _table(data, where)
        _refuse_unknown(table, _field_names(cls), where)
        values: dict[str, Any] = {}
        for key, value in table.items():
            if key == "indicators":
                names = _typed(value, list, f"{where} indicators")
                if not names or not all(isinstance(n, str) and _INDICATOR.fullmatch(n) for n in names) \
                        or len(set(names)) != len(names):
                    raise ConfigError(f"{where} indicators must be distinct names of lower-case letters "
                                      "and underscores, at least one")
                values[key] = tuple(names)
            elif key == "indicator_at":
                levels = _typed(value, dict, f"{where} indicator_at")
                for name, level in levels.items():
                    _typed(level, int, f"{where} indicator_at.{name}")
                values[key] = dict(levels)
            else:
                values[key] = _typed(value, int, f"{where} {key}")
                if values[key] < (1 if key in ("scale_max", "total_rise_days") else 0):
                    raise ConfigError(f"{where} {key} must not be {value}")
        policy = cls(**values)
        unknown = sorted(set(policy.indicator_at) - set(policy.indicators))
        if unknown:
            raise ConfigError(f"{where} indicator_at names indicators that are not in indicators: "
                              f"{', '.join(unknown)}")
        for name, level in policy.indicator_at.items():
            if not 0 <= level <= policy.scale_max:
                raise ConfigError(f"{where} indicator_at.{name} must be on the scale, 0 to "
                                  f"{policy.scale_max}")
        if policy.any_indicator_at > policy.scale_max:
            raise ConfigError(f"{where} any_indicator_at must be on the scale, 0 to {policy.scale_max}")
        return policy


_INDICATOR = re.compile(r"[a-z][a-z_]{0,39}")


@dataclass(frozen=True)
class Policy:
    """Every DOMAIN.md timescale, overridable in [policy]; the defaults are the documented ones."""

    timezone: str = "Europe/London"
    session_idle_minutes: int = 30
    session_absolute_hours: int = 12
    recent_auth_minutes: int = 15
    marac_repeat_months: int = 12
    escalation_grace_working_days: int = 2
    # The escalation ladder (DOMAIN.md §8): each stage's deadline in working days and the role
    # notified in both agencies; immediate risk starts at `escalation_immediate_risk_stage`.
    escalation_stage1_working_days: int = 2
    escalation_stage2_working_days: int = 5
    escalation_stage3_working_days: int = 2
    escalation_stage4_working_days: int = 10
    escalation_stage1_role: str = "practitioner"
    escalation_stage2_role: str = "manager"
    escalation_stage3_role: str = "lead"
    escalation_stage4_role: str = "lead"
    escalation_immediate_risk_stage: int = 3
    # Meetings against the law's clocks (DOMAIN.md §2-3), in working days from the decision: an
    # adult strategy meeting after the decision to proceed (s42, local), a child's strategy
    # discussion after the referral decision (local), and the initial child protection conference
    # after the strategy discussion (Working Together 2023).
    adult_strategy_meeting_working_days: int = 5
    child_strategy_discussion_working_days: int = 1
    child_protection_conference_working_days: int = 15
    # MAPPA reviews (DOMAIN.md §5): every 16 weeks at level 2 and 8 at level 3; the mappa-reviews
    # job raises "review due" this many working days before the due date.
    mappa_level2_review_weeks: int = 16
    mappa_level3_review_weeks: int = 8
    mappa_review_notice_working_days: int = 10
    # Reminders (the reminders job): the people invited, this many working days before a meeting;
    # a MARAC's agencies, to do their research; the chair, until the minutes are issued, which is
    # due within `minutes_issue_working_days` of the meeting (DOMAIN.md §4, local).
    meeting_reminder_working_days: int = 1
    # MARAC (DOMAIN.md §4): the referral criteria's figures, and the agency whose leads and
    # managers coordinate the MARAC (its queue of referrals, repeats included); none by default.
    marac_dash_threshold: int = 14
    marac_escalation_incidents: int = 3
    marac_coordinator_agency: str = ""
    marac_research_working_days: int = 3
    minutes_issue_working_days: int = 3
    # Membership is sharing: a lead agency's decision admits an agency for this many days.
    membership_decision_days: int = 30
    # The guided disclosure form's encrypted drafts are discarded this long after their last change.
    disclosure_draft_hours: int = 24
    # Concerns (DOMAIN.md §2, §11): the named leads decide by the end of the next working day.
    concern_triage_working_days: int = 1
    # Working hours (for an alert's acknowledgement), local time, on working days.
    working_day_start_hour: int = 9
    working_day_end_hour: int = 17
    # Supervision focused on risk (DOMAIN.md §11, local): a high or very high risk case of a
    # practitioner's caseload is discussed at least every 4 weeks, any other every 12.
    supervision_high_risk_weeks: int = 4
    supervision_other_weeks: int = 12
    # Child Safeguarding Practice Reviews (DOMAIN.md §9, Working Together 2023): the national panel
    # is notified within 5 working days of the partnership learning of the serious incident, the
    # rapid review within 15, and a local review is published within 6 months of deciding on it.
    cspr_notification_working_days: int = 5
    cspr_rapid_review_working_days: int = 15
    cspr_publication_months: int = 6
    # The `reviews` job reminds the leads this many working days before a CSPR step is due.
    cspr_reminder_working_days: int = 2
    # The partnership report (DOMAIN.md §11): a period spans at most this many years, and a count
    # from 1 to report_suppress_below - 1 is never shown (1 to 4, local).
    report_max_years: int = 5
    report_suppress_below: int = 5
    # The area's adult women (ONS mid-year estimate), for MARAC volume against SafeLives's 40 cases
    # a year per 10,000; 0 leaves the measure out.
    marac_adult_women: int = 0
    # The contributory factors of a structured review (a taxonomy of lower-case names).
    review_factors: tuple[str, ...] = DEFAULT_REVIEW_FACTORS
    # A review action overdue by this many working days is reported to the owning agency's lead.
    review_action_grace_working_days: int = 2
    observations: ObservationPolicy = field(default_factory=ObservationPolicy)

    def local_date(self, moment: datetime) -> date:
        """The date at ``moment`` in the policy's time zone (review dates are local dates)."""
        return moment.astimezone(ZoneInfo(self.timezone)).date()

    def stage_working_days(self, stage: int) -> int:
        return int(getattr(self, f"escalation_stage{stage}_working_days"))

    def stage_role(self, stage: int) -> str:
        return str(getattr(self, f"escalation_stage{stage}_role"))

    @classmethod
    def from_mapping(cls, data: object) -> Policy:
        """Read [policy]: unknown keys, wrong types and non-positive durations are refused by name."""
        table = _table(data, "[policy]")
        _refuse_unknown(table, _field_names(cls), "[policy]")
        values: dict[str, Any] = {}
        defaults = cls()
        for key, value in table.items():
            if key == "observations":
                values[key] = ObservationPolicy.from_mapping(value)
                continue
            if key == "review_factors":
                names = _typed(value, list, "[policy] review_factors")
                if not names or not all(isinstance(n, str) and _INDICATOR.fullmatch(n) for n in names) \
                        or len(set(names)) != len(names):
                    raise ConfigError("[policy] review_factors must be distinct names of lower-case "
                                      "letters and underscores, at least one")
                values[key] = tuple(names)
                continue
            expected = type(getattr(defaults, key))
            values[key] = _typed(value, expected, f"[policy] {key}")
            minimum = 0 if key in _MAY_BE_ZERO else 1
            if expected is int and value < minimum:
                raise ConfigError(f"[policy] {key} must be at least {minimum}, not {value}")
        for stage in range(1, 5):
            role = values.get(f"escalation_stage{stage}_role")
            if role is not None and role not in {r.value for r in Role}:
                raise ConfigError(f"[policy] escalation_stage{stage}_role must be a hub role "
                                  f"({', '.join(r.value for r in Role)}), not {role!r}")
        if not 1 <= values.get("escalation_immediate_risk_stage", 3) <= 4:
            raise ConfigError("[policy] escalation_immediate_risk_stage must be a stage, 1 to 4")
        if not 0 <= values.get("working_day_start_hour", 9) < values.get("working_day_end_hour", 17) <= 24:
            raise ConfigError("[policy] working_day_start_hour must come before working_day_end_hour, "
                              "both hours of the day (0 to 24)")
        if "timezone" in values:
            zone = values["timezone"]
            try:
                ZoneInfo(zone)
            except (ZoneInfoNotFoundError, ValueError):
                raise ConfigError(f"[policy] timezone {zone!r} is not a known time zone") from None
        return cls(**values)


# A grace of none is a choice; so are working hours from midnight.
_MAY_BE_ZERO = frozenset({"escalation_grace_working_days", "working_day_start_hour",
                          "review_action_grace_working_days", "marac_adult_women"})
_TYPE_NAMES = {str: "a string", int: "a whole number", bool: "true or false", list: "a list", dict: "a table"}


def _field_names(cls: type) -> frozenset[str]:
    return frozenset(f.name for f in fields(cls))


def _table(data: object, where: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ConfigError(f"{where} must be a table")
    return data


def _refuse_unknown(table: dict[str, Any], known: frozenset[str], where: str) -> None:
    unknown = sorted(set(table) - known)
    if unknown:
        raise ConfigError(f"{where} has unknown settings: {', '.join(unknown)} "
                          f"(known: {', '.join(sorted(known))})")


def _typed(value: object, expected: type, where: str) -> Any:
    # bool is a subclass of int in Python; `port = true` must not pass as 1.
    if not isinstance(value, expected) or (isinstance(value, bool) and expected is not bool):
        raise ConfigError(f"{where} must be {_TYPE_NAMES.get(expected, expected.__name__)}, "
                          f"not {type(value).__name__} {value!r}")
    return value


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: str | None
    keyring_path: Path | None
    base_url: str
    providers: tuple[ProviderConfig, ...] = ()
    smtp: SmtpConfig = field(default_factory=SmtpConfig)
    policy: Policy = field(default_factory=Policy)
    demo: bool = False
    proxy_fix: int = 0
    max_body_bytes: int = 1_000_000
    # HUB_AUDIT_CHECKPOINTS: the signed checkpoint log, outside the database (invariant 5).
    audit_checkpoints_path: Path | None = None

    def provider(self, name: str) -> ProviderConfig | None:
        return next((p for p in self.providers if p.name == name), None)


PROVIDER_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
_PROVIDER_REQUIRED = ("name", "title", "issuer", "client_id", "client_secret_env", "agencies")
_PROVIDER_KEYS = frozenset(_PROVIDER_REQUIRED) | {"role_claim", "role_map", "default_role", "scopes"}
# RFC 6749 §3.3: a scope token is printable ASCII without space, double quote or backslash.
_SCOPE_TOKEN = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]{1,100}")
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
_TOP_LEVEL = frozenset({"providers", "smtp", "policy", "base_url"})


def _issuer(value: str, where: str) -> str:
    """An issuer is an https URL (plain http only on loopback, for the demo and tests)."""
    parts = urlsplit(value)
    secure = parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in _LOOPBACK)
    if not parts.hostname or not secure or parts.query or parts.fragment:
        raise ConfigError(f"{where} issuer must be an https URL without query or fragment, not {value!r}")
    return value


def _provider(raw: object, index: int) -> ProviderConfig:
    where = f"[[providers]] #{index + 1}"
    table = _table(raw, where)
    if isinstance(table.get("name"), str):
        where = f"[[providers]] {table['name']!r}"
    missing = [k for k in _PROVIDER_REQUIRED if k not in table]
    if missing:
        raise ConfigError(f"{where} is missing {', '.join(missing)}")
    _refuse_unknown(table, _PROVIDER_KEYS, where)
    for key in ("name", "title", "issuer", "client_id", "client_secret_env", "role_claim", "default_role"):
        if key in table:
            _typed(table[key], str, f"{where} {key}")
            if not table[key].strip():
                raise ConfigError(f"{where} {key} must not be empty")
    if not PROVIDER_NAME.fullmatch(table["name"]):
        raise ConfigError(f"{where} name must be a short lower-case slug such as 'police' "
                          "(it appears in /auth/<name>/login)")
    agencies = table["agencies"]
    if not isinstance(agencies, list) or not agencies or not all(isinstance(a, str) for a in agencies):
        raise ConfigError(f"{where} agencies must be a non-empty list of agency codes")
    role_map = table.get("role_map", {})
    if not isinstance(role_map, dict):
        raise ConfigError(f"{where} role_map must be a table")
    hub_roles = {r.value for r in Role}
    for claim_value, role in role_map.items():
        if role not in hub_roles:
            raise ConfigError(f"{where} role_map maps {claim_value!r} to {role!r}, which is not a hub role "
                              f"({', '.join(sorted(hub_roles))})")
    default_role = table.get("default_role")
    if default_role is not None and default_role not in hub_roles:
        raise ConfigError(f"{where} default_role {default_role!r} is not a hub role "
                          f"({', '.join(sorted(hub_roles))})")
    return ProviderConfig(
        name=table["name"],
        title=table["title"],
        issuer=_issuer(table["issuer"], where),
        client_id=table["client_id"],
        client_secret_env=table["client_secret_env"],
        agencies=tuple(agencies),
        role_claim=table.get("role_claim"),
        role_map={str(k): str(v) for k, v in role_map.items()},
        default_role=default_role,
        scopes=_scopes(table.get("scopes", list(DEFAULT_SCOPES)), where),
    )


def _scopes(value: object, where: str) -> tuple[str, ...]:
    """The provider's `scopes`: a list of distinct scope tokens that includes `openid` (OpenID
    Connect Core 1.0 §3.1.2.1: without it the request is not an OpenID Connect request)."""
    if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
        raise ConfigError(f"{where} scopes must be a list of strings such as "
                          '["openid", "profile", "email"]')
    for scope in value:
        if not _SCOPE_TOKEN.fullmatch(scope):
            raise ConfigError(f"{where} scopes has {scope!r}, which is not a scope (one word of "
                              "printable characters, no spaces or quotes)")
    repeated = sorted({s for s in value if value.count(s) > 1})
    if repeated:
        raise ConfigError(f"{where} scopes lists {', '.join(map(repr, repeated))} more than once")
    if "openid" not in value:
        raise ConfigError(f"{where} scopes must include \"openid\" (sign-in is OpenID Connect)")
    return tuple(value)


def _providers(raw: object) -> tuple[ProviderConfig, ...]:
    if not isinstance(raw, list):
        raise ConfigError("providers must be an array of tables: write each one as [[providers]]")
    providers = tuple(_provider(p, i) for i, p in enumerate(raw))
    for attribute in ("name", "issuer"):
        seen: set[str] = set()
        for p in providers:
            value = getattr(p, attribute)
            if value in seen:
                raise ConfigError(f"[[providers]] {attribute} {value!r} is configured twice")
            seen.add(value)
    return providers


def read_config_file(path: Path) -> dict[str, Any]:
    """Parse the HUB_CONFIG file; a missing file, bad TOML or an unknown table is refused by name."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"HUB_CONFIG file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"HUB_CONFIG file {path} cannot be read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"HUB_CONFIG file {path} is not valid TOML: {exc}") from None
    unknown = sorted(set(data) - _TOP_LEVEL)
    if unknown:
        raise ConfigError(f"HUB_CONFIG file {path} has unknown settings: {', '.join(unknown)} "
                          f"(known: {', '.join(sorted(_TOP_LEVEL))})")
    return data


def _int_env(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None
    if value < 0:
        raise ConfigError(f"{name} must not be negative")
    return value


def _audit_checkpoints(env: Mapping[str, str], keyring: str | None) -> Path | None:
    """HUB_AUDIT_CHECKPOINTS, by default ``audit-checkpoints.jsonl`` beside the keyring file."""
    if env.get("HUB_AUDIT_CHECKPOINTS"):
        return Path(env["HUB_AUDIT_CHECKPOINTS"])
    return Path(keyring).with_name("audit-checkpoints.jsonl") if keyring else None


def load_settings(environ: Mapping[str, str] | None = None, *, demo: bool = False) -> Settings:
    """Read settings from the environment (and HUB_CONFIG); refuse to run without keys outside demo."""
    env = os.environ if environ is None else environ
    file_data: dict[str, Any] = {}
    if env.get("HUB_CONFIG"):
        file_data = read_config_file(Path(env["HUB_CONFIG"]))

    keyring = env.get("HUB_KEYRING")
    secret = env.get("HUB_SECRET_KEY")
    if demo:
        keyring = keyring or str(DEFAULT_INSTANCE / "keyring.json")
    base_url = env.get("HUB_BASE_URL") or _typed(file_data.get("base_url", DEFAULT_BASE_URL), str, "base_url")
    if urlsplit(base_url).scheme not in ("http", "https") or not urlsplit(base_url).hostname:
        raise ConfigError(f"HUB_BASE_URL must be an http(s) URL such as https://hub.example.org, "
                          f"not {base_url!r}")
    return Settings(
        database_url=env.get("HUB_DATABASE_URL") or f"sqlite:///{DEFAULT_INSTANCE / 'hub.db'}",
        secret_key=secret or None,
        keyring_path=Path(keyring) if keyring else None,
        audit_checkpoints_path=_audit_checkpoints(env, keyring),
        base_url=base_url.rstrip("/"),
        providers=_providers(file_data.get("providers", [])),
        smtp=SmtpConfig.from_mapping(file_data.get("smtp", {})),
        policy=Policy.from_mapping(file_data.get("policy", {})),
        demo=demo,
        proxy_fix=_int_env(env, "HUB_PROXY_FIX", 0),
    )
