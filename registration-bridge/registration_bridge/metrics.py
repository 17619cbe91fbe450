"""Prometheus metrics of the bridge, served at GET /metrics on their own address (Settings.metrics_bind), never on
the port Keycloak calls: the checks counted by outcome would undo the one answer the form gives every failure.

Under gunicorn every worker counts for itself; with PROMETHEUS_MULTIPROC_DIR set (gunicorn.conf.py sets it) the
gunicorn master serves the scrapes (serve()) and adds up the counts of all workers, as Prometheus expects of one
service.
"""

from __future__ import annotations

import os
import time

from flask import Flask, g, request
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
    start_http_server,
)

PAYER_CHECKS = Counter(
    "bridge_payer_checks_total", "Payer checks (registration and Dodaj upravnika) by outcome", ["outcome"]
)
PAYER_CLAIMS = Counter("bridge_payer_claims_total", "Claims of a payer for a Keycloak user by outcome", ["outcome"])
PAYER_IMPORTS = Counter("bridge_payer_imports_total", "Payer list imports by result (ok or refused)", ["result"])
PAYER_ROWS_IMPORTED = Counter("bridge_payer_rows_imported_total", "Payer rows applied by imports", ["change"])
# 1 while the failed payer checks of the last hour exceed BRIDGE_MAX_FAILURES_PER_HOUR (guessing.py): alert on it
GUESSING_UNDER_ATTACK = Gauge(
    "bridge_guessing_under_attack",
    "1 while the bridge sees a flood of failed payer checks",
    multiprocess_mode="livemax",
)
REQUEST_SECONDS = Histogram(
    "bridge_request_duration_seconds",
    "Time to answer an HTTP request",
    ["endpoint", "status"],
    buckets=(0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5),
)

# decided when prometheus_client is first imported (it picks its value store then), so decided here alike
MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


def registry() -> CollectorRegistry:
    """What a scrape sees: the counts of every worker (multiprocess), else this process's own."""
    if MULTIPROCESS:
        combined = CollectorRegistry()
        multiprocess.MultiProcessCollector(combined)
        return combined
    from prometheus_client import REGISTRY

    return REGISTRY


def exposition() -> str:
    """The scrape's text (Prometheus text format)."""
    return generate_latest(registry()).decode("utf-8")


def serve(address: tuple[str, int]) -> None:
    """Answer scrapes on `address` from a thread of this process (the gunicorn master: see gunicorn.conf.py)."""
    host, port = address
    start_http_server(port, addr=host, registry=registry())


def record_import(report) -> None:
    PAYER_IMPORTS.labels("ok").inc()
    for change in ("inserted", "updated", "unchanged"):
        PAYER_ROWS_IMPORTED.labels(change).inc(getattr(report, change))


def install(app: Flask) -> None:
    """Time every request by its route (not its URL, so manager ids do not make new series)."""

    @app.before_request
    def start_timer() -> None:
        g.request_started = time.perf_counter()

    @app.after_request
    def observe(response):
        started = g.pop("request_started", None)
        if started is not None:
            endpoint = request.url_rule.rule if request.url_rule is not None else "unmatched"
            REQUEST_SECONDS.labels(endpoint, str(response.status_code)).observe(time.perf_counter() - started)
        return response
