"""Benchmark: how long "Nisem robot" takes on an old phone: the real registration page, its ALTCHA widget solving
a challenge of the production work, in Debian's Chromium at a phone's size, on a CPU 4 times slower than this one
(Lighthouse's mobile setting).

The 4 times are applied to the widget's own time, not by Chrome's CPU throttling: DevTools' throttling
(Emulation.setCPUThrottlingRate) slows the page's main thread only, and the widget solves in Web Workers (measured
here: a busy loop 4.8 times slower on the main thread, 1.2 times in a worker). The widget uses as many workers as
the browser reports cores (navigator.hardwareConcurrency, printed): 2 here, 4 to 8 on most phones.

Starts a fresh dev stack whose Keycloak issues challenges of the production work (or measures BENCH_KEYCLOAK_URL,
e.g. a `make run`, at whatever work it issues), then opens the registration page BENCH_CAPTCHA_RUNS times, each in
a new browser context, and reads the widget's own payload when it is done: the number it found and how long it
took (`took`, ms), times 4. The time of one challenge grows with its secret number, uniform in 0..maxnumber: so
besides the times measured, the hashes per second give the mean (maxnumber / 2) and the worst case (maxnumber) of
the normal work and of the work under a flood (the attack maxnumber), also derived. Target: median ≤ 2 s at the
normal work. Prints a table and writes var/bench/captcha.json.
"""

from __future__ import annotations

import base64
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.lighthouse_pages import page_urls  # noqa: E402
from devstack.layout import VAR, Ports  # noqa: E402
from devstack.stack import Stack, StackSettings  # noqa: E402
from tests.integration.browser_support import CHROMIUM, CHROMIUM_ARGS, PHONE  # noqa: E402

OUT = VAR / "bench"
RUNS = int(os.environ.get("BENCH_CAPTCHA_RUNS", "12"))
CPU_SLOWDOWN = 4  # an old phone's CPU against this machine's (Lighthouse's mobile setting)
# the provider's production defaults (CaptchaOptions.DEFAULT_MAX_NUMBER, DEFAULT_ATTACK_MAX_NUMBER)
PRODUCTION_MAX_NUMBER = 100_000
PRODUCTION_ATTACK_MAX_NUMBER = 500_000


def solve_once(browser, url: str) -> dict:
    context = browser.new_context(viewport=PHONE, locale="sl-SI", is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        started = time.monotonic()
        page.goto(url)
        widget = page.locator("altcha-widget")
        challenge = json.loads(widget.get_attribute("challenge"))
        solution = page.locator("input[name=altcha]")
        solution.wait_for(state="attached", timeout=120_000)
        page.wait_for_function("() => document.querySelector('input[name=altcha]')?.value", timeout=120_000, polling=50)
        loaded_to_solved_s = time.monotonic() - started
        payload = json.loads(base64.b64decode(solution.input_value()))
        return {
            "maxnumber": int(challenge["maxnumber"]),
            "number": int(payload["number"]),
            "took_ms": int(payload["took"]) * CPU_SLOWDOWN,
            "measured_took_ms": int(payload["took"]),
            "page_open_to_solved_s": round(loaded_to_solved_s, 2),
            "workers": page.evaluate("navigator.hardwareConcurrency"),
        }
    finally:
        context.close()


def measure(url: str) -> dict:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            solve_once(browser, url)  # warm-up: Keycloak's first page, the browser's caches
            runs = [solve_once(browser, url) for _ in range(RUNS)]
        finally:
            browser.close()
    took = [r["took_ms"] for r in runs]
    hashes_per_s = sum(r["number"] for r in runs) / (sum(took) / 1000)
    maxnumber = runs[0]["maxnumber"]

    def at(work: int, share: float) -> float:
        return round(work * share / hashes_per_s, 2)

    return {
        "cpu_slowdown": CPU_SLOWDOWN,
        "runs": runs,
        "maxnumber": maxnumber,
        "median_s": round(statistics.median(took) / 1000, 2),
        "p90_s": round(sorted(took)[max(0, round(0.9 * len(took)) - 1)] / 1000, 2),
        "max_s": round(max(took) / 1000, 2),
        "hashes_per_s": round(hashes_per_s),
        "derived": {
            "normal_mean_s": at(PRODUCTION_MAX_NUMBER, 0.5),
            "normal_worst_s": at(PRODUCTION_MAX_NUMBER, 1.0),
            "flood_mean_s": at(PRODUCTION_ATTACK_MAX_NUMBER, 0.5),
            "flood_worst_s": at(PRODUCTION_ATTACK_MAX_NUMBER, 1.0),
        },
    }


def main() -> None:
    given = os.environ.get("BENCH_KEYCLOAK_URL")
    if given:
        figures = measure(page_urls(given.rstrip("/"))["registration"])
    else:
        settings = StackSettings(
            ports=Ports.free(),
            var_dir=VAR / "bench" / "captcha",
            fresh=True,
            captcha_max_number=PRODUCTION_MAX_NUMBER,
            captcha_attack_max_number=PRODUCTION_ATTACK_MAX_NUMBER,
        )
        stack = Stack(settings)
        try:
            stack.start()
            figures = measure(page_urls(stack.settings.keycloak_url)["registration"])
        finally:
            stack.stop()
    print(
        f"'Nisem robot' on the registration page, Chromium at phone size ({figures['runs'][0]['workers']} workers); "
        f"times of a CPU {CPU_SLOWDOWN}x slower than this one"
    )
    print(f"{'run':>4}{'maxnumber':>11}{'number':>9}{'here s':>8}{f'{CPU_SLOWDOWN}x s':>8}")
    for i, run in enumerate(figures["runs"], 1):
        print(
            f"{i:>4}{run['maxnumber']:>11}{run['number']:>9}{run['measured_took_ms'] / 1000:>8.2f}"
            f"{run['took_ms'] / 1000:>8.2f}"
        )
    d = figures["derived"]
    print(
        f"median {figures['median_s']} s, p90 {figures['p90_s']} s, max {figures['max_s']} s; "
        f"{figures['hashes_per_s']} hashes/s → maxnumber {PRODUCTION_MAX_NUMBER}: mean {d['normal_mean_s']} s, "
        f"worst {d['normal_worst_s']} s; under a flood ({PRODUCTION_ATTACK_MAX_NUMBER}): mean {d['flood_mean_s']} s, "
        f"worst {d['flood_worst_s']} s"
    )
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "captcha.json").write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
