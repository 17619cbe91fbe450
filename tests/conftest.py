"""The test report: figures the tests recorded (tests/figures.py), after pytest's own summary."""
from __future__ import annotations

import json

from devstack.layout import VAR

from .figures import FIGURES


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not FIGURES:
        return
    terminalreporter.section("trust figures")
    width = max(len(name) for name in FIGURES)
    for name, value in FIGURES.items():
        terminalreporter.write_line(f"{name:<{width}}  {value}")
    reports = VAR / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    (reports / "figures.json").write_text(json.dumps(FIGURES, ensure_ascii=False, indent=2), encoding="utf-8")
