"""The partnership report's page (DOMAIN.md §11): the period's charts and tables with the same
figures, small counts shown as "Suppressed", the CSV link, the print stylesheet; a bad period is
shown again, 422, with the error summary and nothing written."""

from __future__ import annotations

import base64
from datetime import date, timedelta

from hub.config import Policy
from hub.db import utcnow
from tests.support.snapshot import assert_nothing_written, take_snapshot


def _today() -> date:
    return Policy().local_date(utcnow())


def _concern(number: int) -> dict:
    return {"subject": {"name": f"Person Pagenumber{number}", "date_of_birth": "1950-01-01"},
            "categories": ["self_neglect"], "account": "Not eating", "immediate_risk": False,
            "person_aware": True, "consent_status": "obtained"}


def test_the_report_page_draws_each_trend_and_tables_the_same_figures(client, make):
    agency, other = make.agency(), make.agency()
    worker = make.user(agency)
    for number in range(6):
        client.post("/api/v1/concerns", json=_concern(number), headers=make.headers(worker))
    client.post("/api/v1/concerns", json=_concern(9), headers=make.headers(make.user(other)))
    lead = make.user(agency, "lead")
    page = client.get("/reports/partnership", headers=make.headers(lead))  # the last twelve months
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Partnership report" in body
    first = _today() - timedelta(days=364)
    assert f"{first.strftime('%-d %B %Y')} to {_today().strftime('%-d %B %Y')}" in body
    # The chart is an image of the month's figures with its words beside it; no script, no style.
    assert 'data-chart="concerns_raised"' in body
    start = body.index('data-chart="concerns_raised"')
    src = body[body.index('src="data:image/svg+xml;base64,', start) + 31:]
    svg = base64.b64decode(src[:src.index('"')]).decode()
    assert "<svg" in svg
    assert "<script" not in svg
    figure = body[start:body.index("</figure>", start)]
    assert "Concerns raised, month by month: highest in" in figure
    assert 'alt="Concerns raised, month by month: highest in' in figure
    # The table: seven raised, one of them by the other agency, so both agencies' counts hidden.
    row = body[body.index('data-measure="concerns_raised"'):]
    row = row[:row.index("</tr>")]
    assert 'data-agency="overall">7<' in row
    assert f'data-agency="{agency.code}"><span class="hub-suppressed">Suppressed</span>' in row
    assert "/reports/partnership.csv?from=" in body
    assert "<style" not in body
    assert ' style="' not in body


def test_a_bad_period_is_shown_again_with_the_error_summary_and_nothing_written(client, make, session):
    lead = make.user(make.agency(), "lead")
    headers = make.headers(lead)
    before = take_snapshot(session)
    answer = client.get("/reports/partnership?from-day=1&from-month=1&from-year=2026"
                        "&to-day=31&to-month=12&to-year=2025", headers=headers)
    assert answer.status_code == 422
    body = answer.get_data(as_text=True)
    assert "govuk-error-summary" in body
    assert "The period must not end before it starts" in body
    assert 'value="2025"' in body
    assert client.get("/reports/partnership.csv?from=2020-01-01&to=2026-01-01",
                      headers=headers).status_code == 422
    assert_nothing_written(session, before)


def test_the_csv_page_gives_every_figure(client, make):
    auditor = make.user(make.agency(), "auditor")
    answer = client.get(f"/reports/partnership.csv?from={_today().isoformat()}&to={_today().isoformat()}",
                        headers=make.headers(auditor))
    assert answer.status_code == 200
    assert answer.mimetype == "text/csv"
    lines = answer.get_data(as_text=True).splitlines()
    assert lines[0] == "measure,label,agency,value"
    assert any(line.startswith("marac_repeat_rate,") for line in lines)
