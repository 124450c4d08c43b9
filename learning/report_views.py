"""The partnership report's pages (DOMAIN.md §11 "Evidence for commissioners"): a period chosen
with two GOV.UK date inputs (the last twelve months unless asked), then each group of measures
with its headline charts (month by month, drawn on the server) above a table of the same figures
per agency and overall; the CSV of every figure; a print stylesheet that keeps the charts and
tables and drops the page's furniture. Leads, managers, IG and auditors; every view audited.
And the themes of an agency's reviews: each factor and tag found, month by month."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response, request
from flask.typing import ResponseReturnValue

from hub import context
from hub.access import Permission, requires
from hub.errors import ValidationFailed
from hub.text import spreadsheet_safe
from hub.web.forms import read_period
from hub.web.pages import page
from learning.chart import Chart, monthly_chart
from learning.services import report as report_services
from learning.services import themes as theme_services
from learning.services.report import PartnershipReport

report_pages = Blueprint("learning_reports", __name__)

ORDER = ("from", "to")


def _report() -> tuple[dict[str, str], PartnershipReport | None, dict[str, str]]:
    answers, start, end, problems = read_period(request.args, today=context.today(), default_days=365)
    if problems:
        return answers, None, problems
    try:
        found = report_services.partnership_report(context.db(), context.actor(), start=start, end=end,
                                                   policy=context.state().settings.policy, now=context.now())
    except ValidationFailed as failed:
        return answers, None, dict(failed.errors)
    return answers, found, {}


def _charts(found: PartnershipReport) -> dict[str, Chart]:
    series = report_services.monthly(context.db(), found, policy=context.state().settings.policy)
    charts = {}
    for key, months in series.items():
        measure = found.measure(key)
        labelled = [(first.strftime("%b %y"), value) for first, value in months]
        charts[key] = monthly_chart(measure.label, labelled, unit="%" if key.endswith("_rate") else "")
    return charts


def _groups(found: PartnershipReport) -> Mapping[str, list[Any]]:
    groups: dict[str, list[Any]] = {}
    for measure in found.measures:
        groups.setdefault(measure.group, []).append(measure)
    return groups


@report_pages.get("/reports/partnership")
@requires(Permission.PARTNERSHIP_REPORT)
def partnership() -> ResponseReturnValue:
    answers, found, problems = _report()
    return page("learning/report.html", 422 if problems else 200, report=found, answers=answers,
                errors=problems, error_list=[(name, problems[name]) for name in ORDER if name in problems],
                groups=_groups(found) if found else {}, charts=_charts(found) if found else {})


@report_pages.get("/reports/partnership.csv")
@requires(Permission.PARTNERSHIP_REPORT)
def partnership_csv() -> ResponseReturnValue:
    answers, found, problems = _report()
    if found is None:
        return page("learning/report.html", 422, report=None, answers=answers, errors=problems,
                    error_list=[(name, problems[name]) for name in ORDER if name in problems], groups={},
                    charts={})
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["measure", "label", "agency", "value"])
    for key, label, agency, value in found.rows():
        writer.writerow([key, spreadsheet_safe(label), spreadsheet_safe(agency), value])
    name = f"partnership-{found.start.isoformat()}-{found.end.isoformat()}.csv"
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@report_pages.get("/reviews/themes")
@requires(Permission.REVIEW_CONDUCT)
def themes() -> ResponseReturnValue:
    """The factors and tags of the agency's reviews, month by month (the last twelve months)."""
    answers, start, end, problems = read_period(request.args, today=context.today(), default_days=365)
    found = None
    if not problems:
        try:
            found = theme_services.themes(context.db(), context.actor(), start=start, end=end,
                                          policy=context.state().settings.policy, now=context.now())
        except ValidationFailed as failed:
            problems = dict(failed.errors)
    return page("learning/themes.html", 422 if problems else 200, found=found, answers=answers,
                errors=problems, error_list=[(name, problems[name]) for name in ORDER if name in problems])
