"""`flashpoint run`: the same events on one worker, several, or Ray, the same store an ingest of
the same files gives, Parquet by date, bad lines reported, and a re-run that completes only what
is missing."""

from __future__ import annotations

import io
import json
import os
import signal
import sqlite3
from urllib.parse import urlsplit

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.parquet as pq
import pytest

from flashpoint import engine
from flashpoint.cli import main
from flashpoint.coding.pipeline import Pipeline
from flashpoint.engine import BLOCK, Options, code_records, plan, read_block, run, shards, write_parquet
from flashpoint.errors import ConfigError, EngineError
from flashpoint.model import Dropped
from flashpoint.store import Store
from tests.test_ingest import snapshot

CITIES = ["Kharkiv", "Odesa", "Dnipro", "Sumy", "Kherson", "Zaporizhzhia", "Mykolaiv", "Poltava"]


def record(i: int) -> dict:
    city = CITIES[i % len(CITIES)]
    # Every eighth story is a second outlet's report of an earlier one: deduplication has work to do.
    n = i - 8 if i % 8 == 7 and i >= 8 else i
    return {"id": f"a{i}", "date": f"2024-11-{1 + n % 3:02d}", "url": f"https://outlet{i % 3}.example/{i}",
            "text": f"Russian forces shelled {city}, killing {n % 5 + 2} civilians and wounding {n % 4 + 1}, "
                    f"officials said. Report {i} from the {city} region." + (" A second outlet confirmed it." if n != i else "")}


def write_jsonl(path, records, extra_lines=()):
    with path.open("w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r) + "\n")
        for line in extra_lines:
            fh.write(line + "\n")


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def parquet(folder) -> pd.DataFrame:
    df = pads.dataset(folder, format="parquet", partitioning="hive").to_table().to_pandas()
    return df.sort_values("id").reset_index(drop=True)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("in")
    write_jsonl(folder / "news.jsonl", [record(i) for i in range(BLOCK + 20)],
                extra_lines=["{not json", json.dumps({"id": "no-text", "title": "a headline and nothing else"})])
    return folder


@pytest.fixture(scope="module")
def clean(inputs, tmp_path_factory):
    """One worker, as the reference every other engine and run must match."""
    out = tmp_path_factory.mktemp("clean")
    code, _, err = cli("run", str(inputs), "--out", str(out), "--workers", "1", "--quiet")
    assert code == 1, err  # the two bad lines
    return out


def test_plan_cuts_jsonl_into_blocks_of_lines(tmp_path):
    write_jsonl(tmp_path / "s.jsonl", [record(i) for i in range(2 * BLOCK + 5)])
    blocks = plan([str(tmp_path)])
    assert [b.first for b in blocks] == [1, BLOCK + 1, 2 * BLOCK + 1]
    got = [a.id for b in blocks for a in read_block(b)]
    assert got == [f"a{i}" for i in range(2 * BLOCK + 5)]
    assert len({b.id for b in blocks}) == 3


def test_blocks_of_same_named_shards_in_two_folders_differ(tmp_path):
    for sub in ("x", "y"):
        (tmp_path / sub).mkdir()
        write_jsonl(tmp_path / sub / "day.jsonl", [record(0)])
    assert len({b.id for b in plan([str(tmp_path)])}) == 2


def test_parquet_shards_read_by_row_groups(tmp_path):
    recs = [record(i) for i in range(BLOCK + 30)]
    pq.write_table(pa.Table.from_pylist(recs), tmp_path / "s.parquet", row_group_size=25)
    blocks = plan([str(tmp_path / "s.parquet")])
    assert [(b.start, b.stop) for b in blocks] == [(0, BLOCK), (BLOCK, BLOCK + 30)]
    assert [a.id for b in blocks for a in read_block(b)] == [r["id"] for r in recs]


def test_bad_lines_are_reported_and_kept_with_their_reason(clean):
    with Store.open(clean, readonly=True) as store:
        dropped = list(store.dropped())
    assert [(d.line, d.code) for d in dropped] == [(BLOCK + 21, "E104"), (BLOCK + 22, "E104")]
    assert "not valid JSON" in dropped[0].reason and "neither 'text'" in dropped[1].reason


def test_run_stores_what_ingest_stores(inputs, clean, tmp_path):
    db = tmp_path / "ingest.db"
    code, _, _ = cli("ingest", str(inputs / "news.jsonl"), "--db", str(db), "--quiet")
    assert code == 1
    assert snapshot(clean / "store.db") == snapshot(db)


def test_two_workers_give_the_same_store_and_parquet(inputs, clean, tmp_path):
    code, _, _ = cli("run", str(inputs), "--out", str(tmp_path), "--workers", "2", "--quiet")
    assert code == 1
    assert snapshot(tmp_path / "store.db") == snapshot(clean / "store.db")
    pd.testing.assert_frame_equal(parquet(tmp_path / "events"), parquet(clean / "events"))
    pd.testing.assert_frame_equal(parquet(tmp_path / "mentions"), parquet(clean / "mentions"))


@pytest.mark.slow
def test_ray_engine_gives_the_same_events(inputs, clean, tmp_path):
    code, _, err = cli("run", str(inputs), "--out", str(tmp_path), "--engine", "ray", "--workers", "2", "--quiet")
    assert code == 1, err
    assert snapshot(tmp_path / "store.db") == snapshot(clean / "store.db")
    pd.testing.assert_frame_equal(parquet(tmp_path / "events"), parquet(clean / "events"))


def test_parquet_output_has_events_and_mentions_by_date(clean):
    events, mentions = parquet(clean / "events"), parquet(clean / "mentions")
    assert sorted(p.name for p in (clean / "events").iterdir()) == ["date=2024-11-01", "date=2024-11-02", "date=2024-11-03"]
    assert len(mentions) > len(events) > 0  # second outlets' reports joined their events
    assert set(mentions["event_id"]) == set(events["id"])
    assert events["mentions"].sum() == len(mentions)
    joined = events[events["mentions"] > 1].iloc[0]
    hosts = {urlsplit(u).hostname for u in mentions[mentions["event_id"] == joined["id"]]["url"]}
    assert len(hosts) == joined["sources"]


def test_export_reads_a_run_folder(clean):
    code, out, _ = cli("export", "--db", str(clean), "--quiet")
    assert code == 0
    assert len(out.splitlines()) == len(parquet(clean / "events"))


def test_rerun_after_a_lost_block_completes_only_it(inputs, clean, tmp_path):
    code, _, _ = cli("run", str(inputs), "--out", str(tmp_path), "--workers", "1", "--quiet")
    with sqlite3.connect(tmp_path / "store.db") as conn:
        # As if the run had died after storing part of the second block, before marking it done.
        last = conn.execute("SELECT id FROM run_blocks ORDER BY id DESC").fetchone()[0]
        conn.execute("DELETE FROM run_blocks WHERE id = ?", (last,))
    with Store.open(tmp_path / "store.db") as store:
        again = run([str(inputs)], store, workers=1)
    assert (again.blocks, again.skipped) == (1, 1)
    assert again.stored.new == 0  # its articles were stored already: nothing twice
    assert snapshot(tmp_path / "store.db") == snapshot(clean / "store.db")


def test_a_killed_worker_stops_the_run_and_a_rerun_finishes_it(inputs, clean, tmp_path, monkeypatch):
    real = engine.code_articles

    def dies_on_second_block(items, pipeline, **kw):
        if any(getattr(a, "id", None) == f"a{BLOCK + 3}" for a in items):
            os.kill(os.getpid(), signal.SIGKILL)
        return real(items, pipeline, **kw)

    # Worker processes are forked, so they inherit the patched function.
    monkeypatch.setattr(engine, "code_articles", dies_on_second_block)
    with Store.open(tmp_path / "store.db") as store, pytest.raises(EngineError, match="run the same command again"):
        run([str(inputs)], store, workers=2)
    monkeypatch.setattr(engine, "code_articles", real)
    with Store.open(tmp_path / "store.db") as store:
        again = run([str(inputs)], store, workers=2)
        write_parquet(store, tmp_path)
    # The first block may or may not have been stored before the pool broke: never twice.
    assert again.blocks >= 1 and again.blocks + again.skipped == 2
    assert snapshot(tmp_path / "store.db") == snapshot(clean / "store.db")
    pd.testing.assert_frame_equal(parquet(tmp_path / "events"), parquet(clean / "events"))


def test_code_records_is_the_plain_core():
    out = code_records([{"id": "k", "date": "2024-11-19", "text": "Russian forces shelled Kharkiv on Tuesday."},
                        {"id": "empty", "text": "   "},
                        {"id": "fr", "text": "Les forces russes ont bombardé Kharkiv mardi, selon les autorités locales."}],
                       Pipeline())
    assert [type(x).__name__ for x in out] == ["Article", "Dropped", "Article"]
    assert out[0].events and out[0].events[0].event[0] == "ASSAULT" and out[0].doc is None
    assert isinstance(out[1], Dropped) and out[1].code == "E101"
    assert out[2].lang == "fr" and not out[2].events


def test_inputs_must_be_jsonl_or_parquet(tmp_path):
    (tmp_path / "a.txt").write_text("x", encoding="utf-8")
    with pytest.raises(ConfigError, match="JSONL or Parquet"):
        shards([str(tmp_path / "a.txt")])


def test_run_needs_somewhere_to_write(inputs):
    code, _, err = cli("run", str(inputs))
    assert code == 2 and "--out DIR" in err


def test_gpu_asked_for_without_one_is_a_clear_error(inputs, tmp_path):
    pytest.importorskip("spacy")
    try:
        import cupy  # noqa: F401
        pytest.skip("CuPy is installed: a GPU may be present")
    except ImportError:
        pass
    with Store.open(tmp_path / "s.db") as store, pytest.raises(ConfigError, match="--gpu.*CuPy"):
        run([str(inputs)], store, opts=Options(gpu=True))


def test_errors_cross_process_boundaries_unchanged():
    import pickle

    from flashpoint.errors import StageError

    for err in (ConfigError("cannot use a GPU", source="--gpu"), StageError("parse", ValueError("bad"))):
        back = pickle.loads(pickle.dumps(err))
        assert type(back) is type(err) and str(back) == str(err) and back.source == err.source


@pytest.mark.slow
def test_ray_is_imported_only_by_the_ray_engine(inputs, tmp_path):
    import subprocess
    import sys

    code = ("import sys; from flashpoint.cli import main; "
            f"rc = main(['run', {str(inputs)!r}, '--out', {str(tmp_path)!r}, '--workers', '1', '--quiet']); "
            "assert rc == 1, rc; assert 'ray' not in sys.modules, 'ray imported'")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=600)


def test_ray_engine_without_ray_says_how_to_install_it(inputs, tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "ray", None)  # what `import ray` meets where Ray is not installed
    with Store.open(tmp_path / "s.db") as store, pytest.raises(ConfigError, match=r"pip install 'ray\[data\]"):
        run([str(inputs)], store, engine="ray")


def ray_actors() -> list[int]:
    """Pids of Ray Data's map actors (their command line names them)."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as fh:
                    if fh.read().startswith(b"ray::MapWorker"):
                        pids.append(int(entry))
            except OSError:
                continue
    return sorted(pids)


@pytest.mark.slow
def test_a_killed_ray_actor_is_replaced_and_nothing_is_lost(tmp_path):
    import subprocess
    import sys
    import time

    shard = tmp_path / "many.jsonl"
    write_jsonl(shard, [record(i) for i in range(12 * BLOCK)])
    clean, killed = tmp_path / "clean", tmp_path / "killed"
    assert cli("run", str(shard), "--out", str(clean), "--workers", "1", "--quiet")[0] == 0
    proc = subprocess.Popen([sys.executable, "-m", "flashpoint.cli", "run", str(shard), "--out", str(killed), "--engine", "ray",
                             "--workers", "2", "--quiet"], stderr=subprocess.PIPE, text=True)
    victim = None
    deadline = time.time() + 300
    while victim is None and proc.poll() is None and time.time() < deadline:
        time.sleep(0.1)
        if not (killed / "store.db").exists():
            continue
        try:
            with sqlite3.connect(f"file:{killed / 'store.db'}?mode=ro", uri=True) as conn:
                done = conn.execute("SELECT COUNT(*) FROM run_blocks").fetchone()[0]
        except sqlite3.OperationalError:
            continue
        if done:
            pids = ray_actors()
            if pids:
                victim = pids[0]
                os.kill(victim, signal.SIGKILL)
    _, err = proc.communicate(timeout=600)
    assert victim is not None, "the run ended before an actor could be killed"
    assert proc.returncode == 0, err
    assert snapshot(killed / "store.db") == snapshot(clean / "store.db")
