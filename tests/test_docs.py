"""The docs stay true: every command, config key and session key is documented."""

from __future__ import annotations

import re
from pathlib import Path

import click
from scripts.gen_cli_docs import TARGET, render

from audioarchive._version import __version__
from audioarchive.cli import cli
from audioarchive.config import SECTIONS
from audioarchive.metadata.session import (
    CHAPTER_KEYS,
    REDACTION_KEYS,
    RESOURCE_KEYS,
    SESSION_KEYS,
    SHOW_KEYS,
    SPEAKER_KEYS,
    VENUE_KEYS,
)

ROOT = Path(__file__).resolve().parents[1]


def test_cli_reference_is_generated_from_help() -> None:
    assert TARGET.read_text(encoding="utf-8") == render(), "run: python scripts/gen_cli_docs.py"


def test_every_command_has_help_with_an_example() -> None:
    assert isinstance(cli, click.Group)
    for name, command in cli.commands.items():
        assert command.help, name
        assert "Example:" in command.help, name


def test_every_key_is_in_the_references() -> None:
    metadata = (ROOT / "docs" / "reference" / "metadata.md").read_text(encoding="utf-8")
    for key in (
        *SHOW_KEYS,
        *SESSION_KEYS,
        *SPEAKER_KEYS,
        *VENUE_KEYS,
        *RESOURCE_KEYS,
        *CHAPTER_KEYS,
        *REDACTION_KEYS,
    ):
        assert f"`{key}`" in metadata, key
    config = (ROOT / "docs" / "reference" / "config.md").read_text(encoding="utf-8")
    for section, keys in SECTIONS.items():
        assert f"[{section}]" in config, section
        for key in keys:
            assert f"`{key}`" in config, f"{section}.{key}"


def test_readme_quick_start_and_changelog() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make demo" in readme
    assert "make test" in readme
    assert ".ci/run" in (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert re.search(rf"^## {re.escape(__version__)}\b", changelog, re.M)


def test_the_repository_stands_alone() -> None:
    """Code and docs cite the project's own docs, never a design file outside the repository."""
    outside = "DESIGN" + ".md"  # spelled in two parts, so that this file does not cite it
    places = [ROOT / "README.md", ROOT / "CONTRIBUTING.md"]
    for folder in ("src", "tests", "docs", "scripts"):
        places += (p for p in (ROOT / folder).rglob("*") if p.suffix in (".py", ".md", ".html"))
    citing = [p.relative_to(ROOT) for p in places if outside in p.read_text(encoding="utf-8")]
    assert citing == []
    cited = ROOT / "docs" / "explanation" / "architecture.md"
    headings = re.findall(r"^## (.+)$", cited.read_text(encoding="utf-8"), flags=re.M)
    for heading in ("A workspace", "Exit codes", "Commands", "Settled decisions", "Tests"):
        assert heading in headings
