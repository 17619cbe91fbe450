"""Read a Dockerfile as (instruction, arguments) pairs, continuation lines joined, comments dropped."""

from __future__ import annotations

import json
from pathlib import Path


def instructions(path: Path) -> list[tuple[str, str]]:
    result: list[tuple[str, str]] = []
    pending = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        keyword, _, arguments = (pending + stripped).partition(" ")
        result.append((keyword.upper(), arguments.strip()))
        pending = ""
    return result


def exec_form(path: Path, keyword: str) -> list[str]:
    """The JSON (exec form) arguments of the last `keyword` instruction, e.g. CMD or ENTRYPOINT."""
    found = [arguments for name, arguments in instructions(path) if name == keyword]
    assert found, f"no {keyword} in {path}"
    return json.loads(found[-1])
