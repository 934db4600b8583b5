"""The stage registry: names are unique, reads and writes name real fields, order is checked."""

from __future__ import annotations

import pytest

from flashpoint.coding.pipeline import Pipeline
from flashpoint.coding.registry import STAGES, Resources, stage
from flashpoint.coding.stages import DEFAULT_STAGES
from flashpoint.errors import ConfigError
from flashpoint.model import Article


def _noop(articles: list[Article], res: Resources) -> None:
    for article in articles:
        article.lang = "en"


def test_a_second_stage_of_a_taken_name_is_refused():
    with pytest.raises(ConfigError, match="'parse' is registered already"):
        stage("parse", reads=("text",), writes=("doc",))(_noop)
    assert STAGES["parse"].fn.__module__ == "flashpoint.coding.stages.parse"


def test_a_new_name_registers_and_runs():
    stage("lang_en", reads=("text",), writes=("lang",))(_noop)
    try:
        (done,) = Pipeline(stages=["lang_en"]).run_batch([Article(id="a", text="Troops crossed the border.")])
        assert done.lang == "en"
    finally:
        del STAGES["lang_en"]


@pytest.mark.parametrize("reads, writes, bad", [
    (("text",), ("language",), "'language'"),        # not an Article field
    (("txt",), ("lang",), "'txt'"),
    (("text",), ("events.who",), "'events.who'"),    # not an Event field
    (("text",), ("title.mode",), "'title.mode'"),    # only events have subfields
])
def test_reads_and_writes_must_name_fields(reads, writes, bad):
    with pytest.raises(ConfigError, match=bad):
        stage("misnamed", reads=reads, writes=writes)(_noop)
    assert "misnamed" not in STAGES


def test_every_built_in_stage_declares_real_fields_and_runs_in_the_declared_order():
    assert list(DEFAULT_STAGES) == ["parse", "events", "actors", "places", "parties", "dates", "numbers", "verify", "coref",
                                    "score", "acled"]
    assert set(DEFAULT_STAGES) <= set(STAGES)
    # Building the pipeline checks each stage's reads against what the earlier ones write.
    Pipeline(resources=Resources())


def test_a_stage_before_what_it_reads_is_refused():
    with pytest.raises(ConfigError, match=r"stage 'score' reads .* put \['.*'\] before it"):
        Pipeline(stages=["parse", "score"], resources=Resources())
