"""The README and docs/ stay short, linked and in step with the code: every relative link leads to a file (and
heading) that exists, the README fits in 150 lines, every bridge setting is documented, and the command lines the
docs show name real commands and options."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest
from registration_bridge.cli import main as cli
from registration_bridge.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
PAGES = [README, *DOCS]

FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"`[^`\n]*`")
MARKDOWN_LINK = re.compile(r"\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
HTML_LINK = re.compile(r"""(?:src|href)=["']([^"']+)["']""")
HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$", re.MULTILINE)


def prose(text: str) -> str:
    """The text without code blocks and code spans (a `[x](y)` in code is no link)."""
    return CODE_SPAN.sub("", FENCE.sub("", text))


def links(page: Path) -> list[str]:
    text = prose(page.read_text(encoding="utf-8"))
    return MARKDOWN_LINK.findall(text) + HTML_LINK.findall(text)


def anchor(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*_]|\[([^\]]*)\]\([^)]*\)", r"\1", heading).strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    return {anchor(h) for h in HEADING.findall(FENCE.sub("", page.read_text(encoding="utf-8")))}


def broken_links(page: Path) -> list[str]:
    broken = []
    for target in links(page):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto: ...
            continue
        path, _, fragment = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        if not linked.exists():
            broken.append(f"{target}: no file {linked}")
        elif fragment and linked.suffix == ".md" and fragment not in anchors(linked):
            broken.append(f"{target}: no heading #{fragment} in {linked.name}")
    return broken


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_leads_to_a_file_and_heading_that_exist(page):
    assert broken_links(page) == []


def test_the_link_check_notices_a_missing_file_and_a_missing_heading(tmp_path):
    page = tmp_path / "page.md"
    (tmp_path / "other.md").write_text("# Other\n\n## Real heading\n")
    page.write_text(
        "[a](other.md#real-heading) [b](missing.md) [c](other.md#no-such) `[d](ignored.md)`\n"
        '[e](https://example.org/x) <img src="gone.png">\n'
    )
    assert [b.split(":")[0] for b in broken_links(page)] == ["missing.md", "other.md#no-such", "gone.png"]


def test_the_readme_is_at_most_150_lines():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 150, f"README.md has {len(lines)} lines; move detail to docs/"


def test_every_docs_page_is_linked_from_the_readme():
    linked = {(README.parent / target.partition("#")[0]).resolve() for target in links(README)}
    assert [p.name for p in DOCS if p.resolve() not in linked] == []


def test_every_bridge_setting_is_documented_in_the_configuration_page():
    documented = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    missing = [name for name in Settings.ENV_NAMES.values() if f"`{name}`" not in documented]
    assert missing == []


def shown_commands() -> list[tuple[str, list[str]]]:
    """(page, words) of every `registration-bridge …` command line in the code blocks of the README and docs/."""
    commands = []
    for page in PAGES:
        for block in FENCE.findall(page.read_text(encoding="utf-8")):
            for line in block.splitlines():
                line = line.split("  #")[0].replace("\\", "").strip()
                found = re.search(r"(?:^|[\s/(])registration-bridge\s+(.*)$", line)
                if found and not line.startswith("registration-bridge/"):
                    words = shlex.split(re.sub(r"\[|\]|\)$|<.*$", " ", found.group(1)).replace("…", ""))
                    commands.append((page.name, words))
    return commands


def test_the_command_lines_in_the_docs_name_real_commands_and_options():
    problems = []
    commands = shown_commands()
    assert len(commands) >= 12  # the command-line reference of operations.md at least
    for page, words in commands:
        command: click.Command = cli
        for word in words:
            if not isinstance(command, click.Group) or word.startswith("-"):
                break
            command = command.commands.get(word)
            if command is None:
                break
        if command is None or isinstance(command, click.Group):
            problems.append(f"{page}: registration-bridge {' '.join(words)}: no such command")
            continue
        options = {opt for param in command.params for opt in param.opts}
        problems += [
            f"{page}: registration-bridge {' '.join(words)}: no option {w}"
            for w in words
            if w.startswith("--") and w.split("=")[0] not in options
        ]
    assert problems == []
