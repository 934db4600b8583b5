"""The settings: one frozen table of defaults, documented in docs/settings.md, read by the modules."""

from __future__ import annotations

import dataclasses
import io
import json

import pytest

from flashpoint import settings
from flashpoint.cli import main
from flashpoint.settings import DEFAULTS, Settings
from tests.conftest import ROOT


def test_docs_settings_md_is_the_table():
    assert (ROOT / "docs" / "settings.md").read_text(encoding="utf-8") == settings.markdown(), (
        "docs/settings.md is out of date: ./.venv/bin/flashpoint settings --markdown > docs/settings.md")


def test_every_setting_has_a_number_and_a_line_of_help():
    for f in dataclasses.fields(Settings):
        assert isinstance(getattr(DEFAULTS, f.name), int | float), f.name
        help = f.metadata.get("help", "")
        assert help.strip() and "\n" not in help and "|" not in help, f.name  # one Markdown table cell


def test_defaults_cannot_be_changed_in_place():
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEFAULTS.max_chars = 10  # type: ignore[misc]


def test_the_cli_prints_the_table_and_json():
    out = io.StringIO()
    assert main(["settings", "--json"], out, io.StringIO()) == 0
    assert {row["name"]: row["default"] for row in json.loads(out.getvalue())} == dataclasses.asdict(DEFAULTS)
    out = io.StringIO()
    assert main(["settings"], out, io.StringIO()) == 0
    names = [line.split()[0] for line in out.getvalue().splitlines()[1:] if not line.startswith(" ")]
    assert names == [f.name for f in dataclasses.fields(Settings)]
