"""Printing the figures: a summary with the targets, and the Markdown table for the README."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results.json"
TITLES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
# The HTTP steps judged as a share of the baseline's requests per second: the key of the run in
# results.json, what the README calls it, and the key of its target in bench.__main__.TARGETS.
RATIO_STEPS = (
    ("case_read", "hub `GET /api/v1/cases/{id}` (token, access, decrypt, audit)", "case_read_ratio"),
    ("dashboard", "hub `GET /` signed in (session, access, 50 cases, template)", "dashboard_ratio"),
    ("risk_summary_read", "hub `GET /api/v1/cases/{id}/risk-summaries/latest` (decrypt, audit)",
     "risk_summary_read_ratio"),
    ("disclosure_record", "hub `POST /api/v1/cases/{id}/disclosures` (rules, 5 texts encrypted, audit)",
     "disclosure_record_ratio"),
    ("observation_record", "hub `POST /api/v1/cases/{id}/observations` (rules, thresholds, audit)",
     "observation_record_ratio"),
)


def _mark(met: bool) -> str:
    return "met" if met else "MISSED"


def _cpu(run: dict[str, Any]) -> str:
    """"; server CPU 4.20 ms/request + PostgreSQL 1.10" when the run recorded it."""
    if "server_cpu_ms_per_request" not in run:
        return ""
    text = f"; server CPU {run['server_cpu_ms_per_request']:.2f} ms/request"
    if "database_cpu_ms_per_request" in run:
        text += f" + PostgreSQL {run['database_cpu_ms_per_request']:.2f}"
    return text


def rows(results: dict[str, Any], kinds: list[str]) -> list[tuple[str, ...]]:
    table: list[tuple[str, ...]] = []
    for kind in kinds:
        r = results[kind]
        name = TITLES[kind]
        if not {"baseline", "case_read", "audit_verify", "keys_rotate"} <= set(r):
            table += [(name, "FAILED: " + "; ".join(r.get("errors", []))[:300], "", "", "")]
            continue
        base = r["baseline"]
        verify, rotate = r["audit_verify"], r["keys_rotate"]
        table += [
            (name, "bare Flask baseline: one row by primary key", f"{base['requests_per_second']:,.0f} req/s",
             "mean of the runs before and after the hub's" + _cpu(base["before_hub"]), ""),
        ]
        for key, words, _target in RATIO_STEPS:
            if key in r:
                run = r[key]
                table.append((name, words, f"{run['requests_per_second']:,.0f} req/s",
                              f"{run['ratio_to_baseline']:.0%} of baseline" + _cpu(run),
                              f"≥ {run['target_ratio']:.0%}: {_mark(run['target_met'])}"))
        if "missing_sweep" in r:
            missing = r["missing_sweep"]
            table.append((name, f"missing-observation sweep, {missing['plans']:,} cases of which "
                                f"{missing['due']:,} due", f"{missing['median_ms']:,} ms",
                          f"median of {len(missing['runs_ms'])} runs; index used: {missing['uses_index']}",
                          f"< 2,000 ms: {_mark(missing['target_met'])}"))
        table += [
            (name, f"`hub audit verify`, {verify['events']:,} sealed events",
             f"{verify['library_rows_per_second']:,} rows/s",
             f"CLI end to end {verify['cli_seconds']} s ({verify['cli_rows_per_second']:,} rows/s)",
             f"≥ 200,000/s: {_mark(verify['target_met'])}"),
            (name, f"`hub keys rotate`, {rotate['data_keys']:,} data keys",
             f"{rotate['library_keys_per_second']:,} keys/s",
             f"CLI end to end {rotate['cli_seconds']} s ({rotate['cli_keys_per_second']:,} keys/s)",
             f"≥ 20,000/s: {_mark(rotate['target_met'])}"),
        ]
        if "disclosure_report" in r:
            report = r["disclosure_report"]
            table.append((name, f"disclosure report, a year of {report['decisions']:,} decisions",
                          f"{report['median_ms']} ms", f"median of {len(report['runs_ms'])} runs",
                          f"≤ 300 ms: {_mark(report['target_met'])}" if kind == "postgresql" else ""))
        if "partnership_report" in r:
            report = r["partnership_report"]
            table.append((name, "partnership report, a year of one area's activity (two years held)",
                          f"{report['median_ms']} ms", f"median of {len(report['runs_ms'])} runs",
                          f"≤ 1,000 ms: {_mark(report['target_met'])}" if kind == "postgresql" else ""))
        if "escalation_sweep" in r:
            sweep = r["escalation_sweep"]
            large, small = sweep["large"], sweep["small"]
            table.append((name, f"escalation sweep, {large['actions']:,} actions of which "
                                f"{sweep['due']:,} due", f"{large['median_ms']:,} ms",
                          f"median of {len(large['runs_ms'])} runs; {small['actions']:,} actions: "
                          f"{small['median_ms']:,} ms ({sweep['large_to_small']} times)",
                          f"< 3,000 ms and ≤ 1.5 times: {_mark(sweep['target_met'])}"))
        if "meetings" in r:
            m = r["meetings"]
            feed, agenda = m["calendar_feed"], m["marac_agenda"]
            table.append((name, f"a person's calendar feed, {feed['meetings']} meetings",
                          f"{feed['median_ms']} ms", f"median of {feed['calls']} reads",
                          f"< 100 ms: {_mark(feed['median_ms'] < 100)}"))
            table.append((name, f"a {agenda['cases']}-case MARAC agenda (the service)",
                          f"{agenda['median_ms']} ms", f"median of {agenda['calls']} builds",
                          f"< 50 ms: {_mark(agenda['median_ms'] < 50)}"))
            if "repeat_detection" in m:
                repeat = m["repeat_detection"]
                table.append((name, f"MARAC repeat detection among {repeat['referrals']:,} referrals",
                              f"{repeat['median_ms']} ms",
                              f"median of {repeat['calls']} lookups; index used: {repeat['uses_index']}",
                              f"< 5 ms: {_mark(repeat['median_ms'] < 5 and repeat['uses_index'])}"))
        table += [
            (name, f"seeding: `create_case` one by one (first {r['seed']['through_create_case']:,})",
             f"{r['seed']['create_case_per_second']:,} cases/s",
             f"all {r['seed']['cases']:,} cases seeded in {r['seed']['seconds']} s", ""),
        ]
    return table


def readme_table(results: dict[str, Any], kinds: list[str]) -> str:
    header = ("database", "what", "throughput", "detail", "target")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows(results, kinds)]
    return "\n".join(lines)


def print_summary(results: dict[str, Any], kinds: list[str]) -> None:
    for row in rows(results, kinds):
        print(f"{row[0]:<11} {row[1]:<64} {row[2]:>16}  {row[3]:<45} {row[4]}")


def main() -> None:
    """`python -m bench.report`: the README table of the last run's bench/results.json."""
    results = json.loads(RESULTS.read_text(encoding="utf-8"))
    kinds = [k for k in TITLES if k in results]
    print(readme_table(results, kinds))


if __name__ == "__main__":
    main()
