"""`flashpoint run`: the same events on one worker or several, Parquet by date, and a re-run
that completes only what is missing."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from flashpoint.engine import BLOCK, run_local, shards
from flashpoint.errors import ConfigError

CITIES = ["Kharkiv", "Odesa", "Dnipro", "Sumy", "Kherson"]


def corpus(path, n):
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            city = CITIES[i % len(CITIES)]
            fh.write(json.dumps({"id": f"a{i}", "date": f"2024-11-{1 + i % 3:02d}",
                                 "text": f"Russian forces shelled {city}, killing {i % 5 + 2} civilians, officials said."}) + "\n")


def events(out):
    df = pd.read_parquet(out / "events")
    return df.sort_values(["article_id", "id"]).reset_index(drop=True)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("in")
    corpus(folder / "news.jsonl", BLOCK + 10)
    return folder


def test_one_worker_and_two_give_the_same_events(inputs, tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    r1 = run_local([str(inputs)], one, workers=1)
    r2 = run_local([str(inputs)], two, workers=2)
    assert r1.blocks == r2.blocks == 2 and r1.events == r2.events > 0
    pd.testing.assert_frame_equal(events(one), events(two))
    assert sorted(p.name for p in (one / "events").iterdir()) == ["date=2024-11-01", "date=2024-11-02", "date=2024-11-03"]


def test_rerun_completes_only_what_is_missing(inputs, tmp_path):
    out = tmp_path / "out"
    full = run_local([str(inputs)], out, workers=1)
    before = events(out)
    (out / "_done" / "news-000001").unlink()  # as if the worker had died before marking its block
    again = run_local([str(inputs)], out, workers=1)
    assert (again.blocks, again.skipped) == (1, full.blocks - 1)
    pd.testing.assert_frame_equal(events(out), before)


def test_inputs_must_be_jsonl_or_parquet(tmp_path):
    (tmp_path / "a.txt").write_text("x", encoding="utf-8")
    with pytest.raises(ConfigError, match="JSONL or Parquet"):
        shards([str(tmp_path / "a.txt")])
