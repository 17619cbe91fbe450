"""Benchmark: Lighthouse (mobile, its default simulated throttling) on the login and registration pages.

Starts a fresh dev stack (or measures BENCH_KEYCLOAK_URL, e.g. a running `make run`), opens each page straight at
Keycloak's authorization endpoint (the account console's client with a PKCE challenge, so no portal page is
measured before it) and runs the pinned npm `lighthouse` with Debian's Chromium (CHROME_PATH). Prints the
performance, accessibility and best-practices scores, first contentful paint and the transfer size, and writes
var/bench/lighthouse.json. The resident pages must stay at performance >= 90, accessibility and best practices 100.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from devstack.layout import REALM, VAR, Ports  # noqa: E402
from devstack.stack import Stack, StackSettings  # noqa: E402

OUT = VAR / "bench"
LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
CHROME = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
RUNS = int(os.environ.get("BENCH_LIGHTHOUSE_RUNS", "1"))
CATEGORIES = ("performance", "accessibility", "best-practices")


def page_urls(keycloak_url: str) -> dict[str, str]:
    oidc = f"{keycloak_url}/realms/{REALM}/protocol/openid-connect"
    query = urlencode(
        {
            "client_id": "account-console",
            "redirect_uri": f"{keycloak_url}/realms/{REALM}/account/",
            "response_type": "code",
            "scope": "openid",
            "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            "code_challenge_method": "S256",
            "ui_locales": "sl",
        }
    )
    return {"login": f"{oidc}/auth?{query}", "registration": f"{oidc}/registrations?{query}"}


def lighthouse(url: str) -> dict:
    """One Lighthouse run (mobile defaults); the figures we report."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        subprocess.run(
            [
                LIGHTHOUSE,
                url,
                "--quiet",
                "--output=json",
                f"--output-path={report}",
                "--only-categories=" + ",".join(CATEGORIES),
                "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
            ],
            check=True,
            env={**os.environ, "CHROME_PATH": CHROME},
        )
        result = json.loads(report.read_text())
    audits = result["audits"]
    return {
        **{name: round(result["categories"][name]["score"] * 100) for name in CATEGORIES},
        "first_contentful_paint_s": round(audits["first-contentful-paint"]["numericValue"] / 1000, 2),
        "largest_contentful_paint_s": round(audits["largest-contentful-paint"]["numericValue"] / 1000, 2),
        "transfer_kb": round(audits["total-byte-weight"]["numericValue"] / 1024, 1),
        "requests": len(audits["network-requests"]["details"]["items"]),
    }


def measure(keycloak_url: str) -> dict[str, list[dict]]:
    return {name: [lighthouse(url) for _ in range(RUNS)] for name, url in page_urls(keycloak_url).items()}


def main() -> None:
    if not LIGHTHOUSE.exists():
        sys.exit("npm lighthouse is missing: run `make setup`")
    given = os.environ.get("BENCH_KEYCLOAK_URL")
    if given:
        figures = measure(given.rstrip("/"))
    else:
        stack = Stack(StackSettings(ports=Ports.free(), var_dir=VAR / "bench" / "lighthouse", fresh=True))
        try:
            stack.start()
            figures = measure(stack.settings.keycloak_url)
        finally:
            stack.stop()
    print(f"{'page':<14}{'perf':>6}{'a11y':>6}{'best':>6}{'FCP s':>8}{'LCP s':>8}{'KB':>9}{'requests':>10}")
    for name, runs in figures.items():
        for run in runs:
            print(
                f"{name:<14}{run['performance']:>6}{run['accessibility']:>6}{run['best-practices']:>6}"
                f"{run['first_contentful_paint_s']:>8}{run['largest_contentful_paint_s']:>8}"
                f"{run['transfer_kb']:>9}{run['requests']:>10}"
            )
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "lighthouse.json").write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
