"""Prometheus metrics of the bridge, served at GET /metrics.

Under gunicorn every worker counts for itself; with PROMETHEUS_MULTIPROC_DIR set (gunicorn.conf.py sets it) the
counts of all workers are added up at each scrape, as Prometheus expects of one service.
"""
from __future__ import annotations

import os
import time

from flask import Blueprint, Flask, Response, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest, multiprocess

PAYER_CHECKS = Counter("bridge_payer_checks_total", "Payer checks (registration and Dodaj upravnika) by outcome",
                       ["outcome"])
PAYER_CLAIMS = Counter("bridge_payer_claims_total", "Claims of a payer for a Keycloak user by outcome", ["outcome"])
PAYER_IMPORTS = Counter("bridge_payer_imports_total", "Payer list imports by result (ok or refused)", ["result"])
PAYER_ROWS_IMPORTED = Counter("bridge_payer_rows_imported_total", "Payer rows applied by imports", ["change"])
# 1 while the failed payer checks of the last hour exceed BRIDGE_MAX_FAILURES_PER_HOUR (guessing.py): alert on it
GUESSING_UNDER_ATTACK = Gauge("bridge_guessing_under_attack", "1 while the bridge sees a flood of failed payer checks",
                              multiprocess_mode="livemax")
REQUEST_SECONDS = Histogram("bridge_request_duration_seconds", "Time to answer an HTTP request",
                            ["endpoint", "status"],
                            buckets=(.002, .005, .01, .02, .05, .1, .2, .5, 1, 2, 5))

# decided when prometheus_client is first imported (it picks its value store then), so decided here alike
MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))

bp = Blueprint("metrics", __name__)


@bp.get("/metrics")
def metrics() -> Response:
    if MULTIPROCESS:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        from prometheus_client import REGISTRY as registry
    return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


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

    app.register_blueprint(bp)
