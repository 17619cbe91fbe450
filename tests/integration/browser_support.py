"""Playwright with Debian's Chromium: launch options, screenshots at two widths, and axe-core checks."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page

from devstack.layout import ROOT, VAR

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = VAR / "screenshots"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}


def label(text: str) -> re.Pattern:
    """A field's label as residents read it, ignoring the required-field star."""
    return re.compile(r"^\s*" + re.escape(text) + r"\s*\*?\s*$")


def screenshot(page: Page, name: str) -> list[Path]:
    """The page at desktop and at phone width, for a reviewer to look at (var/screenshots/)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    original = page.viewport_size or DESKTOP
    paths = []
    for kind, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        path = SCREENSHOTS / f"{name}-{kind}.png"
        page.screenshot(path=str(path), full_page=True)
        paths.append(path)
    page.set_viewport_size(original)
    return paths


def horizontal_overflow(page: Page) -> int:
    """How many pixels the page is wider than the window (0: no sideways scrolling)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def serious_accessibility_violations(page: Page) -> list[str]:
    """axe-core's serious and critical violations on the current page, as readable lines."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — " + ", ".join(n["target"][0] for n in v["nodes"][:3])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


class TransferMeter:
    """What a page costs on a first visit: the encoded (on-the-wire) bytes of every response, read from Chromium's
    DevTools protocol with the cache disabled, and which of them blocked rendering (stylesheets, scripts in <head>)."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.session = page.context.new_cdp_session(page)
        self.session.send("Network.enable")
        self.session.send("Network.setCacheDisabled", {"cacheDisabled": True})
        self.urls: dict[str, str] = {}
        self.sizes: dict[str, int] = {}
        self.session.on("Network.requestWillBeSent", self._sent)
        self.session.on("Network.loadingFinished", self._finished)

    def _sent(self, event: dict) -> None:
        redirect = event.get("redirectResponse")
        if redirect:  # a redirect hop ends here; its bytes are in the response that caused it
            self.sizes[event["requestId"] + "@" + redirect["url"]] = int(redirect.get("encodedDataLength", 0))
            self.urls[event["requestId"] + "@" + redirect["url"]] = redirect["url"]
        self.urls[event["requestId"]] = event["request"]["url"]

    def _finished(self, event: dict) -> None:
        self.sizes[event["requestId"]] = int(event["encodedDataLength"])

    def reset(self) -> None:
        self.urls.clear()
        self.sizes.clear()

    def settle(self) -> None:
        self.page.wait_for_load_state("load")
        self.page.wait_for_load_state("networkidle")

    def responses(self) -> dict[str, int]:
        """Bytes per URL since the last reset."""
        found: dict[str, int] = {}
        for key, size in self.sizes.items():
            url = self.urls.get(key, key)
            found[url] = found.get(url, 0) + size
        return found

    def total(self) -> int:
        return sum(self.sizes.values())

    def render_blocking(self) -> dict[str, int]:
        """The resources that blocked the first paint of the current page, with their bytes."""
        names = self.page.evaluate(
            "performance.getEntriesByType('resource')"
            ".filter(e => e.renderBlockingStatus === 'blocking').map(e => e.name)"
        )
        responses = self.responses()
        return {name: responses.get(name, 0) for name in names}
