"""The figures of one `make bench` run against the targets: one table (Markdown, as pasted into docs/performance.md)
from the JSON files the benchmarks wrote under var/bench/, plus the machine it ran on. Writes var/bench/summary.json.
"""

from __future__ import annotations

import json
import os
import platform
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "var" / "bench"


def load(name: str) -> dict | list | None:
    path = OUT / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def machine() -> str:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({model}), {memory_gib:.0f} GiB, Python {platform.python_version()}"


def registration_rows(name: str, stack: str) -> list[tuple[str, str, str, str]]:
    """The rows of one registration bench (`name`.json), its measures prefixed with the stack it ran on."""
    table = []
    registration = load(name)
    if registration:
        by_concurrency = {r["concurrency"]: r for r in registration}
        for c, r in sorted(by_concurrency.items()):
            w, wo = r["with_check"], r["without_check"]
            table.append(
                (
                    f"{stack}: registration, concurrency {c}: median / p95 ms, regs/s (with / without check)",
                    "",
                    f"{w['median_ms']} / {w['p95_ms']} ms, {w['per_second']}/s vs {wo['median_ms']} / "
                    f"{wo['p95_ms']} ms, {wo['per_second']}/s; errors {w['errors'] + wo['errors']}",
                    "",
                )
            )
        if 1 in by_concurrency:
            added = (by_concurrency[1]["median_ratio"] - 1) * 100
            added_ms = by_concurrency[1]["with_check"]["median_ms"] - by_concurrency[1]["without_check"]["median_ms"]
            table.append(
                (
                    f"{stack}: median registration latency added by the check, concurrency 1",
                    "≤ 4 ms (≤ 2 %)",
                    f"{added_ms:+.1f} ms ({added:+.1f} %)",
                    "yes" if added_ms <= 4 and added <= 2 else "no",
                )
            )
        if 4 in by_concurrency:
            ratio = by_concurrency[4]["throughput_ratio"] * 100
            table.append(
                (
                    f"{stack}: registrations/s with the check vs without, concurrency 4",
                    "≥ 95 %",
                    f"{ratio:.1f} %",
                    "yes" if ratio >= 95 else "no",
                )
            )
            w, wo = by_concurrency[4]["with_check"], by_concurrency[4]["without_check"]
            if "bridge_cpu_ms" in w:
                keycloak_added = w["keycloak_cpu_ms"] - wo["keycloak_cpu_ms"]
                table.append(
                    (
                        f"{stack}: CPU per registration the check adds, concurrency 4: Keycloak + bridge "
                        "(of Keycloak's own without the check)",
                        "",
                        f"{keycloak_added:+.1f} + {w['bridge_cpu_ms']} ms (of {wo['keycloak_cpu_ms']} ms): "
                        f"{(keycloak_added + w['bridge_cpu_ms']) / wo['keycloak_cpu_ms'] * 100:.1f} %",
                        "",
                    )
                )
    calls = load(f"{name}-bridge-calls")
    if calls:
        table.append(
            (
                f"{stack}: Keycloak's calls to the bridge, as Keycloak timed them (median)",
                "",
                f"verify {calls['check_median_ms']} ms, claim {calls['claim_median_ms']} ms"
                + (f", linking {calls['link_median_ms']} ms" if calls.get("link_median_ms") is not None else ""),
                "",
            )
        )
    return table


def rows() -> list[tuple[str, str, str, str]]:
    """(measure, target, measured, met) for every target the issue sets."""
    table = registration_rows("registration", "dev stack (start-dev, H2; bridge on SQLite)")
    table += registration_rows("registration-production", "production mode (start --optimized; PostgreSQL)")
    for r in load("cluster") or []:
        one, two = r["one_node"], r["two_nodes"]
        table.append(
            (
                f"cluster (HAProxy, production mode): registration, concurrency {r['concurrency']}: regs/s, median / "
                "p95 ms (2 nodes vs 1, node B stopped; on 2 cores: correctness and overhead, not more CPU)",
                "",
                f"{two['per_second']}/s, {two['median_ms']} / {two['p95_ms']} ms vs {one['per_second']}/s, "
                f"{one['median_ms']} / {one['p95_ms']} ms (ratio {r['throughput_ratio']}); "
                f"errors {two['errors'] + one['errors']}",
                "",
            )
        )
    verify = load("verify")
    for database, figures in (verify or {}).items():
        for r in figures["closed_loop"]:
            table.append(
                (
                    f"verify on {database}, closed loop, concurrency {r['concurrency']}",
                    "",
                    f"{r['rps']} req/s, p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms, errors {r['errors']}",
                    "",
                )
            )
        fixed = figures["open_loop"]
        runs = fixed.get("p99_ms_runs", [fixed["p99_ms"]])
        table.append(
            (
                f"verify on {database}: p99 at {fixed['rate']} req/s (open loop; median of {len(runs)} runs)",
                "< 20 ms",
                f"{fixed['p99_ms']} ms (runs: {' / '.join(map(str, runs))}; p50 {fixed['p50_ms']} ms, "
                f"errors {fixed['errors']})",
                "yes" if fixed["p99_ms"] < 20 else "no",
            )
        )
        saturation = max(r["rps"] for r in figures["closed_loop"])
        errors = sum(r["errors"] for r in figures["closed_loop"])
        table.append(
            (
                f"verify on {database}: saturation (highest closed-loop throughput), errors up to it",
                "reported, 0 errors",
                f"{saturation} req/s, {errors} errors",
                "yes" if errors == 0 else "no",
            )
        )
    imports = load("import")
    if isinstance(imports, list):  # written before the PostgreSQL runs: SQLite only
        imports = {"sqlite": imports}
    for database, runs in (imports or {}).items():
        on = "" if database == "sqlite" else " on PostgreSQL (COPY)"
        rate, memory = (50_000, 200) if database == "sqlite" else (100_000, 150)
        for r in runs:
            again = (
                f"; next month's list (10 % changed) {r['reimport_rows_per_second']:,} rows/s".replace(",", " ")
                if "reimport_rows_per_second" in r
                else ""
            )
            table.append(
                (
                    f"payer import{on}, {r['rows']:_} rows".replace("_", " "),
                    f"≥ {rate:_} rows/s".replace("_", " "),
                    f"{r['rows_per_second']:,} rows/s ({r['rows_per_cpu_second']:,} per CPU s of the bridge".replace(
                        ",", " "
                    )
                    + (f", {r['server_cpu_seconds']} CPU s of PostgreSQL" if r.get("server_cpu_seconds") else "")
                    + (f", hashing {r['hash_cpu_seconds']} CPU s" if "hash_cpu_seconds" in r else "")
                    + f"){again}",
                    "yes" if r["rows_per_second"] >= rate else "no",
                )
            )
        checked = runs if database != "sqlite" else [max(runs, key=lambda r: r["rows"])]
        for r in checked:
            table.append(
                (
                    f"payer import{on} peak memory, {r['rows']:_} rows".replace("_", " "),
                    f"{'≤' if database != 'sqlite' else '<'} {memory} MB",
                    f"{r['peak_memory_mb']} MB",
                    "yes" if r["peak_memory_mb"] <= memory else "no",
                )
            )
    history = load("verify-history")
    if history:
        size = f"{history['payers']:_} payers, {history['attempts']:_} checks over {history['days']} days".replace(
            "_", " "
        )
        for kind, label in (("history", size), ("baseline", "the same bench without history, runs alternating")):
            fixed = history[kind]
            server = fixed.get("server", {})
            table.append(
                (
                    f"verify on postgresql, {label}: p99 at {fixed['rate']} req/s (open loop; median of "
                    f"{len(fixed['p99_ms_runs'])} runs)",
                    "< 10 ms" if kind == "history" else "",
                    f"{fixed['p99_ms']} ms (runs: {' / '.join(map(str, fixed['p99_ms_runs']))}; p50 {fixed['p50_ms']} "
                    f"ms, errors {fixed['errors']}; the bridge's own time p50 {server.get('p50_ms')} / p99 "
                    f"{server.get('p99_ms')} ms)",
                    ("yes" if fixed["p99_ms"] < 10 and fixed["errors"] == 0 else "no") if kind == "history" else "",
                )
            )
        sizes = history["sizes"]
        table.append(
            (
                "database size (pg_total_relation_size, with indexes) per million payers (60 % registered) / "
                "per million checks",
                "reported",
                f"{sizes['mb_per_million_payers']} MB / {sizes['mb_per_million_attempts']} MB "
                f"(whole database {sizes['database_mb']} MB)",
                "",
            )
        )
    upload = load("upload-memory")
    if upload:
        table.append(
            (
                f"admin API upload of {upload['file_mb']} MB ({upload['rows']:_} rows): worker peak RSS".replace(
                    "_", " "
                ),
                "< 300 MB",
                f"{upload['worker_peak_rss_mb']} MB ({upload['seconds']} s)",
                "yes" if upload["worker_peak_rss_mb"] < 300 and upload["status"] == 200 else "no",
            )
        )
    desk = load("desk")
    if desk:
        size = f"{desk['payers']:_} payers, {desk['attempts']:_} checks".replace("_", " ")
        searches = {k: v for k, v in desk.items() if k.startswith("search by")}
        slowest = max(searches, key=lambda k: searches[k]["median_ms"])
        table.append(
            (
                f"desk search on PostgreSQL, {size} (slowest kind: {slowest.removeprefix('search by ')})",
                "< 200 ms",
                f"{searches[slowest]['median_ms']} ms median, {searches[slowest]['max_ms']} ms max",
                "yes" if searches[slowest]["median_ms"] < 200 else "no",
            )
        )
        table.append(
            (
                f"desk overview, {size}",
                "< 500 ms",
                f"{desk['overview']['median_ms']} ms median, {desk['overview']['max_ms']} ms max",
                "yes" if desk["overview"]["median_ms"] < 500 else "no",
            )
        )
        table.append(
            (
                f"desk preview of a {desk['preview_rows']:_}-row list".replace("_", " "),
                "< 10 s",
                f"{desk['preview seconds']} s",
                "yes" if desk["preview seconds"] < 10 else "no",
            )
        )
    startup = load("startup")
    if startup:
        table.append(
            (
                "Keycloak start --optimized to ready, with / without our JAR (median)",
                "",
                f"{startup['with_jar']['median_ready_s']} s / {startup['without_jar']['median_ready_s']} s",
                "",
            )
        )
        added = startup["added_by_jar_s"]
        table.append(("start-up added by our JAR", "< 1 s", f"{added:+.2f} s", "yes" if added < 1 else "no"))
    for page, runs in (load("lighthouse") or {}).items():
        worst = min(runs, key=lambda r: r["performance"])
        met = worst["performance"] >= 90 and worst["accessibility"] == 100 and worst["best-practices"] == 100
        table.append(
            (
                f"Lighthouse mobile, {page}: performance / accessibility / best practices, transfer",
                "≥ 90 / 100 / 100",
                f"{worst['performance']} / {worst['accessibility']} / {worst['best-practices']}, "
                f"FCP {worst['first_contentful_paint_s']} s, {worst['transfer_kb']} KB",
                "yes" if met else "no",
            )
        )
    captcha = load("captcha")
    if captcha:
        d = captcha["derived"]
        table.append(
            (
                f"'Nisem robot' solved on the registration page, Chromium at phone size, CPU "
                f"{captcha['cpu_slowdown']}x "
                f"slower: median / p90 / max (maxnumber {captcha['maxnumber']}, {len(captcha['runs'])} runs)",
                "median ≤ 2 s",
                f"{captcha['median_s']} / {captcha['p90_s']} / {captcha['max_s']} s; {captcha['hashes_per_s']} "
                f"hashes/s: mean {d['normal_mean_s']} s, worst {d['normal_worst_s']} s; under a flood (500 000) "
                f"mean {d['flood_mean_s']} s, worst {d['flood_worst_s']} s",
                "yes" if captcha["median_s"] <= 2 else "no",
            )
        )
    return table


def main() -> None:
    table = rows()
    if not table:
        sys.exit("no figures under var/bench/: run `make bench` first")
    print(f"Machine: {machine()}")
    print("| measure | target | measured | met |")
    print("|---|---|---|---|")
    for measure, target, measured, met in table:
        print(f"| {measure} | {target} | {measured} | {met} |")
    (OUT / "summary.json").write_text(
        json.dumps(
            {
                "machine": machine(),
                "rows": [dict(zip(("measure", "target", "measured", "met"), row, strict=True)) for row in table],
            },
            indent=2,
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
