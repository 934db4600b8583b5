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


def test_the_modules_use_the_defaults():

    from flashpoint import cluster, engine, ingest, language, monitor, server
    from flashpoint.coding.pipeline import Pipeline
    from flashpoint.coding.registry import Resources
    from flashpoint.coding.stages import numbers
    from flashpoint.sources import files, html
    from flashpoint.sources.web import Fetcher
    from flashpoint.store import articles, matcher

    d = DEFAULTS
    fetcher = Fetcher()
    assert (fetcher.timeout, fetcher.max_bytes, fetcher.max_redirects) == (
        d.fetch_timeout_s, d.fetch_max_bytes, d.fetch_max_redirects)
    assert files.DEFAULT_MAX_CHARS == d.max_chars
    assert (html.MAX_TAGS, language.SHORT_LETTERS) == (d.page_max_tags, d.short_text_letters)
    assert numbers.MAX_COUNT == d.max_count
    assert Pipeline().batch_size == d.pipeline_batch
    assert (Resources.CPU_PARSE_BATCH, Resources.GPU_PARSE_BATCH) == (d.cpu_parse_batch, d.gpu_parse_batch)
    assert ingest.BATCH == d.ingest_batch and articles.NEAR_DUP_JACCARD == d.near_dup_jaccard
    r = matcher.RULES
    assert (r.date_slack_days, r.place_km, r.text_slack_days, r.same_names, r.follow_up_names, r.follow_up_days) == (
        d.merge_date_slack_days, d.merge_place_km, d.merge_text_slack_days, d.merge_same_names, d.merge_follow_up_names,
        d.merge_follow_up_days)
    assert (matcher.Names.REPORTS, matcher.Names.KEY_NAMES, matcher.Names.KEY_DF) == (d.match_reports, d.match_key_names,
                                                                                 d.match_key_df)
    assert (matcher.TermCache.MAX_ARTICLES, matcher.TermCache.MAX_TERMS) == (d.term_cache_articles, d.term_cache_terms)
    assert (engine.BLOCK, engine.EXPORT_CHUNK) == (d.engine_block, d.export_chunk)
    assert (cluster.DEFAULT_THRESHOLD, cluster.NAME_WEIGHT, cluster.NUMBER_WEIGHT, cluster.EDGE_FLOOR) == (
        d.cluster_threshold, d.cluster_name_weight, d.cluster_number_weight, d.cluster_edge_floor)
    assert monitor.FLOOR == d.monitor_floor
    assert (server.MAX_PAGE, server.MAX_BODY) == (d.api_max_page, d.api_max_body_bytes)
