"""`python -m bench`: run every benchmark on SQLite and PostgreSQL, print ratios, write results.json.

Environment: BENCH_SECONDS (wrk duration, default 10), BENCH_DATABASES (default
"sqlite,postgresql"), BENCH_CASES (10000), BENCH_AUDIT_EVENTS (300000), BENCH_DATA_KEYS (100000),
BENCH_DECISIONS (100000).
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

from bench import bulk, profile, seed
from bench import concerns as concerns_bench
from bench import consent as consent_bench
from bench import escalation as escalation_bench
from bench import meetings as meetings_bench
from bench import partnership as partnership_bench
from bench import sharing as sharing_bench
from bench.load import (
    BenchError,
    Server,
    get,
    lua_script,
    process_tree_cpu_seconds,
    python_argv,
    run_wrk,
    served,
    statuses_in_log,
)
from bench.report import RATIO_STEPS, print_summary, readme_table
from hub.crypto.keyring import Keyring
from hub.serve import DEFAULT_THREADS, gunicorn_options
from hub.sessions.cookies import session_cookie_name
from tests.support.postgres import PostgresCluster as Cluster
from tests.support.postgres import start_cluster

RESULTS = Path(__file__).resolve().parent / "results.json"
TARGETS = {"observation_record_ratio": 0.25, "missing_sweep_ms": 2000,
           "case_read_ratio": 0.30, "dashboard_ratio": 0.25, "audit_verify_rows_per_second": 200_000,
           "keys_rotate_keys_per_second": 20_000, "disclosure_record_ratio": 0.25,
           "disclosure_report_ms": 300, "risk_summary_read_ratio": 0.30,
           "escalation_sweep_ms": 3000, "escalation_sweep_size_ratio": 1.5,
           "calendar_feed_ms": 100, "marac_agenda_ms": 50, "repeat_detection_ms": 5,
           "partnership_report_ms": 1000}
WORKERS = 2
CONNECTIONS = 32
SERVICE_CASES = 500  # seeded one by one through create_case; the rest in batches
WRK_THREADS = 2
WARMUP_SECONDS = 2


def _int_env(name: str, default: int) -> int:
    try:
        value = int(os.environ.get(name, default))
    except ValueError:
        raise SystemExit(f"error: {name} must be a whole number") from None
    if value <= 0:
        raise SystemExit(f"error: {name} must be positive")
    return value


def log(message: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", flush=True)


def _load(label: str, server: Server, script: Path, seconds: int,
          database_pid: int | None) -> dict[str, Any]:
    run_wrk(server.base_url, script, seconds=WARMUP_SECONDS, connections=CONNECTIONS,
            threads=WRK_THREADS)
    pids = {"server": server.process.pid}
    if database_pid is not None:
        pids["database"] = database_pid
    before = {k: process_tree_cpu_seconds(p) for k, p in pids.items()}
    result = run_wrk(server.base_url, script, seconds=seconds, connections=CONNECTIONS,
                     threads=WRK_THREADS)
    cpu = {f"{k}_cpu_ms_per_request": round((process_tree_cpu_seconds(pids[k]) - v) * 1000
                                            / result.requests, 3) for k, v in before.items()}
    log(f"  {label}: {result.requests_per_second:,.0f} requests/s "
        f"(p50 {result.latency_p50_ms} ms, p99 {result.latency_p99_ms} ms, {result.requests} requests, "
        f"0 errors; CPU per request: {', '.join(f'{k} {v} ms' for k, v in cpu.items())})")
    return {**result.as_dict(), **cpu}


def _profile(kind: str, pid: int, base_url: str, script: Path, seconds: int,
             workdir: Path) -> dict[str, Any]:
    """An extra, unmeasured wrk run with py-spy sampling the workers: where the time goes."""
    raw = workdir / f"{kind}-hub-profile.txt"
    sampler = profile.start(pid, seconds, raw)
    if sampler is None:
        raise BenchError("BENCH_PROFILE needs py-spy: pip install -e '.[bench]'")
    run_wrk(base_url, script, seconds=seconds, connections=CONNECTIONS, threads=WRK_THREADS)
    sampler.wait(timeout=seconds + 60)
    if not raw.exists():
        raise BenchError("py-spy wrote no profile (is ptrace allowed?)")
    summary = profile.summarise(raw)
    log(f"  profile of the hub's workers under load ({summary['samples']} samples); hub functions:")
    for entry in summary["hub_functions"][:20]:
        log(f"    {entry['percent']:5.1f}%  {entry['function']}")
    log("  self:")
    for entry in summary["self"][:15]:
        log(f"    {entry['percent']:5.1f}%  {entry['function']}")
    return summary


def bench_http(kind: str, url_for: Any, workdir: Path, keyring: Keyring, keyring_path: Path,
               sizes: dict[str, int], seconds: int, out: dict[str, Any],
               database_pid: int | None = None) -> None:
    """Seed the cases, then baseline, hub, baseline again under wrk (the baseline's figure is the
    mean of the two runs around the hub's, so a neighbour's load drifting in or out biases neither)."""
    log(f"{kind}: seeding {sizes['cases']:,} cases")
    hub_url = url_for("bench_hub")
    data = seed.seed_hub(hub_url, keyring, cases=sizes["cases"], through_services=SERVICE_CASES)
    out["seed"] = {"cases": sizes["cases"], "seconds": round(data.seconds, 2),
                   "through_create_case": data.through_services,
                   "create_case_per_second": round(data.through_services / data.service_seconds)}
    log(f"  seeded in {data.seconds:.1f} s with migration; create_case: "
        f"{out['seed']['create_case_per_second']:,} cases/s over the first {data.through_services:,}, "
        "the rest flushed in batches")

    ids = [str(i) for i in data.case_ids]
    # The first cases' crisis plans (a case read and a plan read both touch the same rows).
    plan_ids = data.case_ids[:SERVICE_CASES]
    sharing_bench.seed_risk_summaries(hub_url, keyring, plan_ids)
    concerns_bench.seed_observation_plans(hub_url, plan_ids)
    risk_script = lua_script(workdir / f"{kind}-risk.lua",
                             [f"/api/v1/cases/{i}/risk-summaries/latest" for i in plan_ids],
                             {"Authorization": f"Bearer {data.token}"})
    baseline_script = lua_script(workdir / f"{kind}-baseline.lua", [f"/rows/{i}" for i in ids], {})
    auth = {"Authorization": f"Bearer {data.token}"}
    hub_script = lua_script(workdir / f"{kind}-hub.lua", [f"/api/v1/cases/{i}" for i in ids], auth)
    cookie = {"Cookie": f"{session_cookie_name(secure=False)}={data.session_cookie}"}
    dashboard_script = lua_script(workdir / f"{kind}-dashboard.lua", ["/"], cookie)
    decision_headers = {**auth, "Content-Type": "application/json"}
    decision_script = lua_script(workdir / f"{kind}-decision.lua",
                                 [f"/api/v1/cases/{i}/disclosures" for i in ids], decision_headers,
                                 method="POST", body=consent_bench.decision_body())
    observation_script = lua_script(workdir / f"{kind}-observation.lua",
                                    [f"/api/v1/cases/{i}/observations" for i in plan_ids], decision_headers,
                                    method="POST", body=concerns_bench.observation_body())
    hub_env = {"HUB_DATABASE_URL": hub_url, "HUB_KEYRING": str(keyring_path),
               "HUB_SECRET_KEY": seed.random_secret(), "HUB_CONFIG": ""}

    # Both servers get the threads `hub serve` runs with by default.
    threads = str(DEFAULT_THREADS)
    with served(python_argv("-m", "bench.baseline", "--workers", str(WORKERS), "--threads", threads),
                {"BENCH_DATABASE_URL": hub_url}, workdir / f"{kind}-baseline.log") as base, \
            served(python_argv("-m", "hub.cli", "serve", "--workers", str(WORKERS), "--threads", threads),
                   hub_env,
                   workdir / f"{kind}-hub.log") as hub:
        status, body = get(f"{base.base_url}/rows/{ids[0]}")
        if status != 200 or ids[0] not in body.decode():
            raise BenchError(f"baseline answered {status}: {body[:200]!r}")
        for case_id, name in ((ids[0], data.first_subject_name), (ids[-1], data.last_subject_name)):
            status, body = get(f"{hub.base_url}/api/v1/cases/{case_id}", auth)
            if status != 200 or name not in body.decode():
                raise BenchError(f"hub answered {status}: {body[:300]!r}")
        status, body = get(f"{hub.base_url}/", cookie)
        if status != 200 or b"Sign out" not in body:
            raise BenchError(f"hub dashboard answered {status} without a signed-in page")
        status, body = get(f"{hub.base_url}/api/v1/cases/{plan_ids[0]}/risk-summaries/latest", auth)
        if status != 200 or sharing_bench.MARKER.encode() not in body:
            raise BenchError(f"hub answered {status} for a risk summary: {body[:300]!r}")
        status, body = get(f"{hub.base_url}/api/v1/cases/{ids[0]}/disclosures", decision_headers,
                           body=consent_bench.decision_body().encode())
        if status != 201:
            raise BenchError(f"hub refused the benchmark's disclosure decision ({status}): {body[:300]!r}")
        status, body = get(f"{hub.base_url}/api/v1/cases/{plan_ids[0]}/observations", decision_headers,
                           body=concerns_bench.observation_body().encode())
        if status != 201 or b'"alerts":[]' not in body.replace(b" ", b""):
            raise BenchError(f"hub refused the benchmark's observation ({status}): {body[:300]!r}")
        before = _load("bare Flask baseline, GET /rows/{id}", base, baseline_script, seconds,
                       database_pid)
        out["case_read"] = _load("hub, GET /api/v1/cases/{id}", hub, hub_script, seconds, database_pid)
        out["dashboard"] = _load("hub, GET / signed in (session, access, 50 cases, template)",
                                 hub, dashboard_script, seconds, database_pid)
        out["risk_summary_read"] = _load(
            "hub, GET /api/v1/cases/{id}/risk-summaries/latest (token, access, decrypt, audit)",
            hub, risk_script, seconds, database_pid)
        out["disclosure_record"] = _load(
            "hub, POST /api/v1/cases/{id}/disclosures (validate, encrypt five texts, audit)",
            hub, decision_script, seconds, database_pid)
        out["observation_record"] = _load(
            "hub, POST /api/v1/cases/{id}/observations (rules, thresholds, encrypt, audit)",
            hub, observation_script, seconds, database_pid)
        after = _load("bare Flask baseline again", base, baseline_script, seconds, database_pid)
        for log_path in (base.log_path, hub.log_path):
            bad = {k: v for k, v in statuses_in_log(log_path).items() if k not in ("200", "201")}
            if bad:
                raise BenchError(f"{log_path.name}: responses other than 200 under load: {bad}")
        if os.environ.get("BENCH_PROFILE"):
            out["case_read"]["profile"] = _profile(kind, hub.process.pid, hub.base_url, hub_script,
                                                   seconds, workdir)
    mean = (before["requests_per_second"] + after["requests_per_second"]) / 2
    out["baseline"] = {"requests_per_second": round(mean, 1), "before_hub": before, "after_hub": after}
    log(f"  baseline: mean of before and after the hub's runs, {mean:,.0f} requests/s")
    for key, _words, target in RATIO_STEPS:
        run = out[key]
        ratio = run["requests_per_second"] / mean
        run.update(ratio_to_baseline=round(ratio, 3), target_ratio=TARGETS[target],
                   target_met=ratio >= TARGETS[target])
        log(f"  {key.replace('_', ' ')} / baseline = {ratio:.1%} (target >= {TARGETS[target]:.0%})")


def bench_disclosure_report(kind: str, url: str, keyring: Keyring, sizes: dict[str, int],
                            out: dict[str, Any]) -> None:
    log(f"{kind}: bulk-inserting {sizes['decisions']:,} disclosure decisions over two years")
    seconds, start, end = consent_bench.seed_decisions(seed.migrated(url), keyring,
                                                       decisions=sizes["decisions"])
    log(f"  inserted in {seconds:.1f} s")
    report = consent_bench.time_report(url, start, end)
    report["decisions"] = sizes["decisions"]
    report["target_ms"] = TARGETS["disclosure_report_ms"]
    # The target is set for PostgreSQL (production); SQLite's figure is reported beside it.
    report["target_met"] = report["median_ms"] <= TARGETS["disclosure_report_ms"]
    out["disclosure_report"] = report
    log(f"  disclosure report over a year ({report['decisions_in_period']:,} of the decisions): "
        f"median {report['median_ms']} ms of {report['runs_ms']} "
        f"(target <= {TARGETS['disclosure_report_ms']} ms)")


def bench_partnership_report(kind: str, url: str, keyring: Keyring, out: dict[str, Any]) -> None:
    log(f"{kind}: bulk-inserting two years of one area's activity (scaled from the national figures)")
    seconds, start, end = partnership_bench.seed(seed.migrated(url), keyring)
    log(f"  inserted in {seconds:.1f} s")
    report = partnership_bench.time_report(url, start, end)
    report["target_ms"] = TARGETS["partnership_report_ms"]
    # The target is set for PostgreSQL (production); SQLite's figure is reported beside it.
    report["target_met"] = report["median_ms"] <= TARGETS["partnership_report_ms"]
    out["partnership_report"] = report
    log(f"  partnership report for a year ({report['concerns_in_period']} concerns raised in it): "
        f"median {report['median_ms']} ms of {report['runs_ms']} "
        f"(target <= {TARGETS['partnership_report_ms']} ms)")


def bench_audit_verify(kind: str, bulk_url: str, env: dict[str, str], sizes: dict[str, int],
                       out: dict[str, Any]) -> None:
    log(f"{kind}: bulk-inserting {sizes['audit_events']:,} audit events and sealing them")
    insert_s, seal_s = seed.seed_audit_events(bulk_url, events=sizes["audit_events"])
    log(f"  inserted in {insert_s:.1f} s, sealed in {seal_s:.1f} s "
        f"({sizes['audit_events'] / seal_s:,.0f} events/s sealed)")
    verify = bulk.audit_verify(bulk_url, sizes["audit_events"], env)
    verify["seal_rows_per_second"] = round(sizes["audit_events"] / seal_s)
    verify["target_rows_per_second"] = TARGETS["audit_verify_rows_per_second"]
    verify["target_met"] = verify["library_rows_per_second"] >= TARGETS["audit_verify_rows_per_second"]
    out["audit_verify"] = verify
    log(f"  hub audit verify: {verify['cli_rows_per_second']:,} rows/s end to end "
        f"({verify['cli_seconds']} s), verify_chain {verify['library_rows_per_second']:,} rows/s")


def bench_keys_rotate(kind: str, bulk_url: str, keyring: Keyring, keyring_path: Path,
                      env: dict[str, str], sizes: dict[str, int], out: dict[str, Any]) -> None:
    log(f"{kind}: bulk-inserting {sizes['data_keys']:,} wrapped data keys")
    keys_s = seed.seed_data_keys(bulk_url, keyring, keys=sizes["data_keys"])
    log(f"  inserted in {keys_s:.1f} s")
    rotate = bulk.keys_rotate(bulk_url, keyring_path, sizes["data_keys"], env)
    rotate["target_keys_per_second"] = TARGETS["keys_rotate_keys_per_second"]
    rotate["target_met"] = rotate["library_keys_per_second"] >= TARGETS["keys_rotate_keys_per_second"]
    out["keys_rotate"] = rotate
    log(f"  hub keys rotate: {rotate['cli_keys_per_second']:,} keys/s end to end "
        f"({rotate['cli_seconds']} s), rewrap_all {rotate['library_keys_per_second']:,} keys/s")


def bench_escalation_sweep(kind: str, url: str, keyring: Keyring, out: dict[str, Any]) -> None:
    log(f"{kind}: escalation sweep, {escalation_bench.DUE:,} actions due among "
        f"{escalation_bench.SMALL:,}, then {escalation_bench.LARGE:,}")
    sweep = escalation_bench.bench_escalation(url, keyring)
    sweep["target_ms"] = TARGETS["escalation_sweep_ms"]
    sweep["target_size_ratio"] = TARGETS["escalation_sweep_size_ratio"]
    sweep["target_met"] = (sweep["large"]["median_ms"] < TARGETS["escalation_sweep_ms"]
                           and sweep["large_to_small"] <= TARGETS["escalation_sweep_size_ratio"])
    out["escalation_sweep"] = sweep
    log(f"  {escalation_bench.LARGE:,} actions: median {sweep['large']['median_ms']:,} ms of "
        f"{sweep['large']['runs_ms']}; {escalation_bench.SMALL:,}: {sweep['small']['median_ms']:,} ms "
        f"({sweep['large_to_small']} times; target < {TARGETS['escalation_sweep_ms']:,} ms and "
        f"≤ {TARGETS['escalation_sweep_size_ratio']} times); seeded in {sweep['seed_seconds']} s")


def bench_missing_sweep(kind: str, url: str, keyring: Keyring, out: dict[str, Any]) -> None:
    log(f"{kind}: missing-observation sweep, {concerns_bench.DUE:,} due among "
        f"{concerns_bench.PLANS:,} cases with daily observation")
    sweep = concerns_bench.bench_missing_sweep(url, keyring)
    sweep["target_ms"] = TARGETS["missing_sweep_ms"]
    sweep["target_met"] = sweep["median_ms"] < TARGETS["missing_sweep_ms"] and sweep["uses_index"]
    out["missing_sweep"] = sweep
    log(f"  median {sweep['median_ms']:,} ms of {sweep['runs_ms']} (target < "
        f"{TARGETS['missing_sweep_ms']:,} ms); index used: {sweep['uses_index']}; seeded in "
        f"{sweep['seed_seconds']} s")


def bench_meetings(kind: str, url: str, keyring: Keyring, out: dict[str, Any]) -> None:
    log(f"{kind}: meetings: a calendar feed of {meetings_bench.FEED_MEETINGS}, a "
        f"{meetings_bench.AGENDA_CASES}-case MARAC agenda"
        + (f", repeat detection among {meetings_bench.REFERRALS:,} referrals"
           if kind == "postgresql" else ""))
    try:
        found = meetings_bench.bench_meetings(url, keyring, repeat_detection=kind == "postgresql")
    except RuntimeError as exc:
        raise BenchError(str(exc)) from exc
    found["targets_ms"] = {"calendar_feed": TARGETS["calendar_feed_ms"],
                           "marac_agenda": TARGETS["marac_agenda_ms"],
                           "repeat_detection": TARGETS["repeat_detection_ms"]}
    out["meetings"] = found
    log(f"  calendar feed: median {found['calendar_feed']['median_ms']} ms (target < "
        f"{TARGETS['calendar_feed_ms']}); agenda: {found['marac_agenda']['median_ms']} ms (target < "
        f"{TARGETS['marac_agenda_ms']})")
    if "repeat_detection" in found:
        repeat = found["repeat_detection"]
        log(f"  repeat detection: median {repeat['median_ms']} ms (target < "
            f"{TARGETS['repeat_detection_ms']}); seeded in {repeat['seed_seconds']} s; plan:")
        for line in repeat["plan"]:
            log(f"    {line}")


def _postmaster_pid(cluster: Cluster | None) -> int | None:
    """The PostgreSQL server's main process, whose children are the backends serving the runs."""
    if cluster is None:
        return None
    try:
        return int((cluster.root / "data" / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def bench_database(kind: str, url_for: Any, workdir: Path, sizes: dict[str, int],
                   seconds: int, database_pid: int | None = None) -> dict[str, Any]:
    """Everything for one database kind; a failed step is recorded loudly and the others still run."""
    out: dict[str, Any] = {"errors": []}
    keyring_path = workdir / f"{kind}-keyring.json"
    keyring = Keyring.generate()
    keyring.save(keyring_path)
    env = {"HUB_CONFIG": "", "HUB_KEYRING": str(keyring_path)}
    bulk_url = url_for("bench_bulk")
    steps = [
        ("case read", lambda: bench_http(kind, url_for, workdir, keyring, keyring_path, sizes, seconds,
                                         out, database_pid)),
        ("audit verify", lambda: bench_audit_verify(kind, seed.migrated(bulk_url), env, sizes, out)),
        ("keys rotate", lambda: bench_keys_rotate(kind, bulk_url, keyring, keyring_path, env, sizes,
                                                  out)),
        ("disclosure report", lambda: bench_disclosure_report(kind, url_for("bench_report"), keyring,
                                                              sizes, out)),
    ]
    steps.append(("meetings", lambda: bench_meetings(kind, url_for("bench_meetings"), keyring, out)))
    steps.append(("partnership report", lambda: bench_partnership_report(
        kind, url_for("bench_partnership"), keyring, out)))
    if kind == "postgresql":  # the target is set for production's database
        steps.append(("escalation sweep", lambda: bench_escalation_sweep(
            kind, url_for("bench_escalation"), keyring, out)))
        steps.append(("missing-observation sweep", lambda: bench_missing_sweep(
            kind, url_for("bench_observations"), keyring, out)))
    for name, step in steps:
        try:
            step()
        except BenchError as exc:
            out["errors"].append(f"{name}: {exc}")
            log(f"  FAILED ({name}): {exc}")
    return out


def _machine(cluster: Cluster | None) -> dict[str, Any]:
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
    info: dict[str, Any] = {
        "cpus": os.cpu_count(),
        "load_average_at_start": [round(x, 1) for x in os.getloadavg()],
        "platform": platform.platform(terse=True),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "wrk": (wrk_version.stdout + wrk_version.stderr).split("[")[0].strip(),
    }
    if cluster is not None:
        with psycopg.connect(cluster.admin_url) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            info["postgresql"] = row[0] if row else None
    return info


def main() -> int:
    seconds = _int_env("BENCH_SECONDS", 10)
    sizes = {"cases": _int_env("BENCH_CASES", 10_000),
             "audit_events": _int_env("BENCH_AUDIT_EVENTS", 300_000),
             "data_keys": _int_env("BENCH_DATA_KEYS", 100_000),
             "decisions": _int_env("BENCH_DECISIONS", 100_000)}
    wanted = os.environ.get("BENCH_DATABASES", "sqlite,postgresql")
    kinds = [k.strip() for k in wanted.split(",") if k.strip()]
    if not kinds or set(kinds) - {"sqlite", "postgresql"}:
        raise SystemExit("error: BENCH_DATABASES is a comma-separated list of sqlite, postgresql")
    workdir = Path(tempfile.mkdtemp(prefix="hub-bench-"))
    cluster: Cluster | None = None
    started = time.perf_counter()
    results: dict[str, Any] = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "settings": {"wrk_seconds": seconds, "wrk_threads": WRK_THREADS, "connections": CONNECTIONS,
                     "gunicorn_workers": WORKERS, "threads_per_worker": DEFAULT_THREADS,
                     "worker_class": gunicorn_options(host="127.0.0.1", port=0, workers=WORKERS,
                                                      threads=DEFAULT_THREADS)["worker_class"],
                     **sizes},
        "targets": TARGETS,
    }
    try:
        if "postgresql" in kinds:
            log("starting a throwaway PostgreSQL cluster on 127.0.0.1")
            cluster = start_cluster()
        results["machine"] = _machine(cluster)
        for kind in kinds:
            if kind == "sqlite":
                def url_for(name: str) -> str:
                    return f"sqlite:///{workdir / (name + '.db')}"
            else:
                assert cluster is not None
                url_for = cluster.create_database
            results[kind] = bench_database(kind, url_for, workdir, sizes, seconds,
                                           _postmaster_pid(cluster) if kind == "postgresql" else None)
    except BenchError as exc:
        print(f"\nBENCHMARK FAILED: {exc}\n(logs kept in {workdir})", file=sys.stderr)
        return 1
    finally:
        if cluster is not None:
            cluster.stop()
    errors = [f"{kind}: {e}" for kind in kinds for e in results[kind]["errors"]]
    if not errors:
        shutil.rmtree(workdir, ignore_errors=True)
    results["total_seconds"] = round(time.perf_counter() - started, 1)
    results["machine"]["load_average_at_end"] = [round(x, 1) for x in os.getloadavg()]
    tmp = RESULTS.with_name("results.json.tmp")
    tmp.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    tmp.replace(RESULTS)
    print()
    print_summary(results, kinds)
    print("\nREADME table:\n")
    print(readme_table(results, kinds))
    print(f"\nwritten to {RESULTS.name} in bench/")
    if errors:
        print("\nBENCHMARK FAILED:\n  " + "\n  ".join(errors) + f"\n(logs kept in {workdir})",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
