"""Cells that are safe to open in a spreadsheet program: a value it would read as a formula is kept as text."""

from __future__ import annotations

# what Excel, LibreOffice and Google Sheets start a formula with (tab and CR too: some strip them first)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: str | None) -> str:
    """The value as a cell shows it as text: one starting a formula gets a leading apostrophe, which the program
    hides and which keeps `=HYPERLINK(…)` from running on the office's computer (CSV injection)."""
    if not value:
        return ""
    return "'" + value if value.startswith(FORMULA_STARTS) else value
