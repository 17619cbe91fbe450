"""Figures the tests measure on the way (attempts until a lock, replays refused, races, faults, fuzzing),
printed at the end of `make test` and written to var/reports/figures.json."""

from __future__ import annotations

FIGURES: dict[str, str] = {}


def record(name: str, value: object) -> None:
    FIGURES[name] = str(value)
