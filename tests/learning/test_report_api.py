"""The partnership report over the API (DOMAIN.md §11): every package's measures per agency and
overall for a period, counts from 1 to 4 never shown, directly or by subtraction, CSV on request,
every reading audited, bad periods refused with nothing written."""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from hub.audit.models import AuditEvent
from hub.config import Policy
from hub.db import utcnow
from hub.figures import Figure
from learning.services.report import shown_measures
from sharing.models import Action, ActionChange, RiskSummary
from tests.support.snapshot import assert_nothing_written, take_snapshot


def _today() -> date:
    return Policy().local_date(utcnow())


def _concern(number: int) -> dict:
    return {"subject": {"name": f"Person Number{number}", "date_of_birth": "1950-01-01"},
            "categories": ["neglect_omission"], "account": "Not eating", "immediate_risk": False,
            "person_aware": True, "consent_status": "obtained"}


def _period(start: date, end: date) -> str:
    return f"/api/v1/reports/partnership?from={start.isoformat()}&to={end.isoformat()}"


def test_the_report_counts_each_agency_and_hides_every_small_count(client, make, session):
    big, small, quiet = make.agency(), make.agency(), make.agency()
    big_worker, small_worker = make.user(big), make.user(small)
    for number in range(7):
        assert client.post("/api/v1/concerns", json=_concern(number),
                           headers=make.headers(big_worker)).status_code == 201
    for number in range(7, 9):
        assert client.post("/api/v1/concerns", json=_concern(number),
                           headers=make.headers(small_worker)).status_code == 201
    manager = make.user(quiet, "manager")
    answer = client.get(_period(_today() - timedelta(days=30), _today()), headers=make.headers(manager))
    assert answer.status_code == 200, answer.json
    assert (answer.json["from"], answer.json["to"]) == ((_today() - timedelta(days=30)).isoformat(),
                                                         _today().isoformat())
    raised = answer.json["measures"]["concerns_raised"]
    # Two from one agency: both agencies' counts are hidden (the other's would reveal it), the
    # total of nine is shown, and the agency that raised none shows its zero.
    assert raised["overall"] == 9
    assert raised["by_agency"][big.code] is None
    assert raised["by_agency"][small.code] is None
    assert raised["by_agency"][quiet.code] == 0
    neglect = answer.json["measures"]["concerns_category_neglect_omission"]
    assert neglect["overall"] == 9
    # None triaged yet; the part hides with its whole (the whole's hidden counts are its rests).
    triaged = answer.json["measures"]["concerns_triaged"]
    ours = {code: triaged["by_agency"][code] for code in (big.code, small.code, quiet.code)}
    assert ours == {big.code: None, small.code: None, quiet.code: 0}
    for key in ("strategy_meetings_on_time", "marac_repeat_rate", "actions_done_on_time",
                "decisions_without_consent", "decisions_without_consent_reviewed",
                "alerts_acknowledged_on_time", "reviews_near_miss", "review_actions_done_on_time",
                "challenges_stage_1", "supervision_sessions"):
        assert key in answer.json["measures"], key
    for measure in answer.json["measures"].values():
        values = [measure["overall"], *measure["by_agency"].values()]
        assert not any(isinstance(v, int) and 0 < v < 5 for v in values), measure
    [event] = session.scalars(select(AuditEvent).where(AuditEvent.action == "report.partnership.read")).all()
    assert event.details == {"from": (_today() - timedelta(days=30)).isoformat(), "to": _today().isoformat()}


def test_the_threshold_is_policy(client, make, app):
    agency = make.agency()
    worker = make.user(agency)
    for number in range(3):
        client.post("/api/v1/concerns", json=_concern(number), headers=make.headers(worker))
    state = app.extensions["hub"]
    lead = make.user(agency, "lead")
    hidden = client.get(_period(_today(), _today()), headers=make.headers(lead)).json
    assert hidden["measures"]["concerns_raised"]["overall"] is None
    state.settings = replace(state.settings, policy=replace(state.settings.policy, report_suppress_below=3))
    shown = client.get(_period(_today(), _today()), headers=make.headers(lead)).json
    assert shown["measures"]["concerns_raised"]["overall"] == 3
    assert shown["measures"]["concerns_raised"]["by_agency"][agency.code] == 3
    # MARAC volume against the area's adult women, once the policy knows how many there are.
    assert "marac_cases_per_10000_adult_women" not in shown["measures"]
    state.settings = replace(state.settings, policy=replace(state.settings.policy, marac_adult_women=250_000))
    volume = client.get(_period(_today(), _today()), headers=make.headers(lead)).json["measures"]
    assert volume["marac_cases_per_10000_adult_women"] == {"overall": 0.0, "by_agency": {}}


def test_the_report_exports_csv_with_the_same_figures(client, make):
    agency = make.agency()
    worker, auditor = make.user(agency), make.user(agency, "auditor")
    for number in range(5):
        client.post("/api/v1/concerns", json=_concern(number), headers=make.headers(worker))
    headers = {**make.headers(auditor), "Accept": "text/csv"}
    answer = client.get(_period(_today(), _today()), headers=headers)
    assert answer.status_code == 200
    assert answer.mimetype == "text/csv"
    assert "attachment" in answer.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(answer.get_data(as_text=True))))
    assert rows[0] == ["measure", "label", "agency", "value"]
    assert ["concerns_raised", "Concerns raised", "overall", "5"] in rows
    assert ["concerns_raised", "Concerns raised", agency.code, "5"] in rows
    assert ["concerns_triaged", "Concerns triaged", "overall", "0"] in rows


def test_bad_periods_are_refused_by_field_and_nothing_is_written(client, make, session):
    lead = make.user(make.agency(), "lead")
    headers = make.headers(lead)
    before = take_snapshot(session)
    for url, field in ((_period(_today(), _today() - timedelta(days=1)), "to"),
                       (_period(date(2020, 1, 1), date(2025, 1, 1)), "to"),
                       ("/api/v1/reports/partnership?from=2026-01-01", "to"),
                       ("/api/v1/reports/partnership?from=yesterday&to=2026-01-01", "from")):
        answer = client.get(url, headers=headers)
        assert answer.status_code in (400, 422), (url, answer.json)
        assert field in str(answer.json), (url, answer.json)
    assert_nothing_written(session, before)
    practitioner = make.user(make.agency())
    assert client.get(_period(_today(), _today()), headers=make.headers(practitioner)).status_code == 403


# A count from 1 to 4 is never shown, directly, as a whole less its shown part, or as a total less
# the shown agencies' counts where one agency's is hidden: over every chain of parts the report
# draws (raised, triaged of raised, on time of triaged), for any counts.
_AGENCY_COUNTS = st.lists(st.tuples(st.integers(0, 12), st.integers(0, 12), st.integers(0, 12)),
                          min_size=1, max_size=4)


@settings(max_examples=400, deadline=None)
@given(_AGENCY_COUNTS)
def test_no_small_number_can_be_read_or_worked_out(rows):
    ids = {number: f"AG-{number}" for number in range(len(rows))}
    raised, triaged, on_time = {}, {}, {}
    for number, (a, b, c) in enumerate(rows):
        whole = a + b + c
        raised[number], triaged[number], on_time[number] = whole, b + c, c
    figures = [Figure("raised", "Raised", "g", raised), Figure("triaged", "Triaged", "g", triaged, "raised"),
               Figure("on_time", "On time", "g", on_time, "triaged")]
    shown = {m.key: m.shown for m in shown_measures(figures, ids, list(ids.values()), below=5)}

    def small(value):
        return value is not None and 0 < value < 5

    truth = {"raised": raised, "triaged": triaged, "on_time": on_time}
    for key, measure in shown.items():
        assert not small(measure.overall)
        assert not any(small(v) for v in measure.by_agency.values())
        hidden = [code for code, v in measure.by_agency.items() if v is None]
        if measure.overall is not None and len(hidden) == 1:
            worked_out = measure.overall - sum(v for v in measure.by_agency.values() if v is not None)
            assert not small(worked_out), (key, rows)
        del truth[key]
    for part, whole in (("triaged", "raised"), ("on_time", "triaged")):
        for code in ids.values():
            p, w = shown[part].by_agency[code], shown[whole].by_agency[code]
            if p is not None and w is not None:
                assert not small(w - p), (part, code, rows)
        if shown[part].overall is not None and shown[whole].overall is not None:
            assert not small(shown[whole].overall - shown[part].overall), (part, rows)


def test_an_action_is_done_on_time_by_the_local_clock_across_midnight(client, make, session):
    """Done at 23:30 on its due day in London is on time; at 00:30 the next day, late, although
    both are the due day in UTC in summer (22:30 and 23:30 UTC)."""
    agency = make.agency()
    worker = make.user(agency)
    case = make.case(worker)
    rows = []
    for number in range(12):
        due = date(2026, 7, 10)
        done_at = datetime(2026, 7, 10, 22 if number < 6 else 23, 30, tzinfo=UTC)
        action = Action(id=uuid.uuid4(), case_id=case.id, agency_id=agency.id, status="done", due=due,
                        created_by_id=worker.id, created_at=done_at - timedelta(days=3), updated_at=done_at,
                        title_ciphertext=b"sealed")
        rows += [action, ActionChange(id=uuid.uuid4(), action_id=action.id, status="done",
                                      changed_by_id=worker.id, changed_at=done_at,
                                      texts_ciphertext=b"sealed")]
    session.add_all(rows)
    session.flush()
    lead = make.user(agency, "lead")
    answer = client.get(_period(date(2026, 7, 1), date(2026, 7, 31)), headers=make.headers(lead))
    measures = answer.json["measures"]
    assert measures["actions_due"]["by_agency"][agency.code] == 12
    assert measures["actions_done_on_time"]["by_agency"][agency.code] == 6


def _ten_allocated_cases(client, make, name: str):
    """A council's manager, a practitioner and ten cases allocated to her today."""
    council = make.agency(kind="council_adults")
    manager, worker = make.user(council, "manager"), make.user(council)
    cases = [make.case(worker, name=f"{name}{n}") for n in range(10)]
    headers = make.headers(manager)
    for case in cases:
        assert client.put(f"/api/v1/cases/{case.id}/allocation", json={"user_id": str(worker.id)},
                          headers=headers).status_code == 200
    return council, worker, cases, headers


def test_supervision_on_time_is_each_discussion_within_its_interval_of_the_last(client, make, session):
    council, worker, cases, headers = _ten_allocated_cases(client, make, "Supervised Person")
    first = _today() - timedelta(days=120)
    # Every case discussed 120 days ago; half again 20 days later (within 12 weeks), half 100
    # days later (beyond it).
    for held_on, discussed in ((first, cases), (first + timedelta(days=20), cases[:5]),
                               (first + timedelta(days=100), cases[5:])):
        answer = client.post("/api/v1/supervision", json={
            "supervisee_id": str(worker.id), "held_on": held_on.isoformat(),
            "discussions": [{"case_id": str(case.id), "note": "Discussed"} for case in discussed]},
            headers=headers)
        assert answer.status_code == 201, answer.json
    measures = client.get(_period(first + timedelta(days=1), _today()), headers=headers).json["measures"]
    # The first discussions fall before the period; of the ten after, the five 20 days on are on time.
    assert measures["supervision_discussions"]["by_agency"][council.code] == 10
    assert measures["supervision_on_time"]["by_agency"][council.code] == 5
    whole = client.get(_period(first, _today()), headers=headers).json["measures"]
    # From the first day: the first discussions come before the cases were allocated (today), so
    # nothing shows them to be on time.
    assert whole["supervision_discussions"]["by_agency"][council.code] == 20
    assert whole["supervision_on_time"]["by_agency"][council.code] == 5


def test_a_discussion_is_judged_by_the_risk_the_case_had_that_day_not_by_a_later_one(client, make, session):
    council, worker, cases, headers = _ten_allocated_cases(client, make, "Risky Person")
    first = _today() - timedelta(days=90)
    # Every case discussed 90 days ago and again 40 days later: within 12 weeks, beyond 4.
    for held_on in (first, first + timedelta(days=40)):
        assert client.post("/api/v1/supervision", json={
            "supervisee_id": str(worker.id), "held_on": held_on.isoformat(),
            "discussions": [{"case_id": str(case.id), "note": "Discussed"} for case in cases]},
            headers=headers).status_code == 201
    # Half were high risk from before the first discussion; the other half became so only after
    # the second: by their risk on the day, those were discussed in time.
    def high_risk(case, days_ago: int) -> RiskSummary:
        noon = datetime.combine(_today() - timedelta(days=days_ago), datetime.min.time(), tzinfo=UTC)
        return RiskSummary(id=uuid.uuid4(), case_id=case.id, version=1, agency_id=council.id,
                           author_id=worker.id, level="high", recorded_at=noon + timedelta(hours=12),
                           content_ciphertext=b"sealed")
    session.add_all([high_risk(case, 100) for case in cases[:5]]
                    + [high_risk(case, 10) for case in cases[5:]])
    session.flush()
    measures = client.get(_period(first + timedelta(days=1), _today()), headers=headers).json["measures"]
    assert measures["supervision_discussions"]["by_agency"][council.code] == 10
    assert measures["supervision_on_time"]["by_agency"][council.code] == 5
