"""Bad input: each gets a clear reason; the rest of the batch is still read."""

import errno
import io
import json
import os
import time
from datetime import date
from pathlib import Path

import pytest

from flashpoint.model import Article, Dropped
from flashpoint.sources.files import expand, read_source


def items(path, **kw):
    return list(read_source(str(path), **kw))


def test_plain_text_file_uses_file_name_as_id(tmp_path):
    p = tmp_path / "story.txt"
    p.write_text("Police arrested ten people in Lagos.", encoding="utf-8")
    (a,) = items(p, default_date=date(2024, 1, 2))
    assert isinstance(a, Article) and a.id == "story.txt" and a.date == date(2024, 1, 2)


def test_empty_file(tmp_path):
    p = tmp_path / "empty.txt"
    p.write_text("  \n", encoding="utf-8")
    (d,) = items(p)
    assert isinstance(d, Dropped) and "empty" in d.reason and d.code == "E101"


def test_binary_junk(tmp_path):
    p = tmp_path / "junk.bin"
    p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (d,) = items(p)
    assert isinstance(d, Dropped) and "binary" in d.reason


def test_invalid_utf8_names_the_byte(tmp_path):
    p = tmp_path / "latin1.txt"
    p.write_bytes("Protesters marched in Bogot\xe1 on Friday.".encode("latin-1"))
    (d,) = items(p)
    assert isinstance(d, Dropped) and "UTF-8" in d.reason and "byte 27" in d.reason


def test_too_large_text_names_the_option(tmp_path):
    p = tmp_path / "huge.txt"
    p.write_text("Troops massed near the border. " * 700_000, encoding="utf-8")  # ~20 MB
    (d,) = items(p)
    assert isinstance(d, Dropped) and "--max-chars" in d.reason and d.code == "E105"


def test_missing_file_and_directory(tmp_path):
    (d,) = items(tmp_path / "nope.txt")
    assert isinstance(d, Dropped) and d.reason == "no such file"
    (d,) = items(tmp_path)
    assert isinstance(d, Dropped) and "directory" in d.reason


def test_malformed_jsonl_line_reports_line_number_and_keeps_the_rest(tmp_path):
    p = tmp_path / "batch.jsonl"
    lines = [
        json.dumps({"id": "a", "text": "Russia shelled Kharkiv.", "date": "2024-11-20"}),
        '{"id": "b", "text": "unterminated',
        json.dumps({"id": "c", "text": ""}),
        json.dumps({"id": "d", "html": "<html><body><article><p>Police arrested 12 protesters in Moscow on "
                                       "Friday after a rally against the war.</p></article></body></html>"}),
        json.dumps({"id": "e", "text": "x", "date": "20/11/2024"}),
        json.dumps(["not", "an", "object"]),
        json.dumps({"id": "f", "title": "no body"}),
    ]
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    got = items(p)
    ok = [g for g in got if isinstance(g, Article)]
    bad = {g.line: g for g in got if isinstance(g, Dropped)}
    assert [a.id for a in ok] == ["a", "d"]
    assert ok[0].date == date(2024, 11, 20)
    assert "Police arrested 12 protesters" in ok[1].text
    assert set(bad) == {2, 3, 5, 6, 7}
    assert "not valid JSON" in bad[2].reason and "line 2" in bad[2].reason
    assert "empty" in bad[3].reason
    assert "YYYY-MM-DD" in bad[5].reason
    assert "JSON object" in bad[6].reason
    assert "neither 'text' nor 'html'" in bad[7].reason


def test_jsonl_from_stdin_is_detected():
    data = (json.dumps({"id": "x", "text": "Iran condemned the strike."}) + "\n").encode()
    (a,) = list(read_source("-", stdin=io.BytesIO(data)))
    assert isinstance(a, Article) and a.id == "x"


def test_html_file_main_text_is_extracted(tmp_path):
    p = tmp_path / "page.html"
    p.write_text(
        "<html><head><title>Strike on Odesa</title></head><body><nav>Home | World</nav><article>"
        "<h1>Strike on Odesa</h1><p>Russian drones struck the port of Odesa overnight, the Ukrainian air force "
        "said on Monday, damaging grain silos and wounding three workers.</p></article>"
        "<footer>Copyright</footer></body></html>", encoding="utf-8")
    (a,) = items(p)
    assert isinstance(a, Article) and "Russian drones struck the port of Odesa" in a.text
    assert "Copyright" not in a.text


def test_html_without_text(tmp_path):
    p = tmp_path / "blank.html"
    p.write_text("<html><body><script>var x = 1;</script></body></html>", encoding="utf-8")
    (d,) = items(p)
    assert isinstance(d, Dropped) and "no main text" in d.reason


def test_large_jsonl_batch_is_streamed_whole(tmp_path):
    p = tmp_path / "big.jsonl"
    line = json.dumps({"text": "Police arrested ten people in Lagos on Monday. " * 40}) + "\n"
    p.write_text(line * 3000, encoding="utf-8")  # about 5.8 MB
    got = list(read_source(str(p)))
    assert len(got) == 3000 and all(isinstance(a, Article) for a in got)


def test_jsonl_line_separator_inside_a_string_is_not_a_line_break(tmp_path):
    p = tmp_path / "ls.jsonl"
    p.write_text(json.dumps({"id": "a", "text": "One\u2028two."}, ensure_ascii=False) + "\n"
                 + json.dumps({"id": 0, "text": "Three."}) + "\n", encoding="utf-8")
    got = list(read_source(str(p)))
    assert [a.id for a in got] == ["a", "0"]


def test_oversized_multibyte_text_is_too_large_not_bad_utf8(tmp_path):
    p = tmp_path / "e.txt"
    p.write_text("é" * 30, encoding="utf-8")
    (d,) = list(read_source(str(p), max_chars=10))
    assert isinstance(d, Dropped) and d.code == "E105"


def test_loose_dates_are_refused():
    from flashpoint.errors import InputError
    from flashpoint.sources.files import parse_iso_date

    for bad in ("2024-11-20 garbage", 20241120, "2024-02-30"):
        with pytest.raises(InputError):
            parse_iso_date(bad, source="x")
    assert str(parse_iso_date("2024-11-20T15:30:00Z", source="x")) == "2024-11-20"


# --- one bad field costs its line only --------------------------------------------------------

GOOD = {"text": "Police arrested ten people in Lagos on Monday."}
BAD_FIELDS = [  # (fields, the field named, what the reason says of it)
    ({"url": 123}, "url", "must be a string, got int"),
    ({"url": {"href": "https://news.example/1"}}, "url", "must be a string, got dict"),
    ({"title": ["Lagos"]}, "title", "must be a string, got list"),
    ({"id": ["a", "b"]}, "id", "must be a string or an integer, got list"),
    ({"id": {"n": 1}}, "id", "must be a string or an integer, got dict"),
    ({"id": True}, "id", "must be a string or an integer, got bool"),
    ({"date": 20241120}, "date", "must be a YYYY-MM-DD string, got int"),
    ({"html": ["<p>Police arrested ten people.</p>"]}, "html", "must be a string, got list"),
    ({"text": "Police arrested \ud800 ten people."}, "text", "lone surrogate"),
    ({"title": "Arrests in Lagos \ud800"}, "title", "lone surrogate"),
]


def test_each_bad_field_drops_its_line_and_the_next_line_is_read(tmp_path):
    p = tmp_path / "batch.jsonl"
    lines = []
    for i, (fields, _, _) in enumerate(BAD_FIELDS):
        # json.dumps writes a lone surrogate as the JSON escape "\ud800", as a faulty exporter would.
        lines += [json.dumps({**GOOD, "id": f"bad{i}", **fields}), json.dumps({**GOOD, "id": f"good{i}"})]
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    got = items(p)
    assert len(got) == 2 * len(BAD_FIELDS)
    for i, (fields, name, says) in enumerate(BAD_FIELDS):
        dropped, article = got[2 * i], got[2 * i + 1]
        assert isinstance(dropped, Dropped) and dropped.line == 2 * i + 1, fields
        assert dropped.reason.startswith(f"line {2 * i + 1} field '{name}' ") and says in dropped.reason, dropped.reason
        assert isinstance(article, Article) and article.id == f"good{i}"


def test_text_with_a_lone_surrogate_is_refused_where_text_is_posted():
    from flashpoint.api import extract
    from flashpoint.errors import EncodingError
    from flashpoint.sources.files import check_text

    with pytest.raises(EncodingError, match=r"request: text holds a lone surrogate \('\\ud800' at character 16\)"):
        check_text("Police arrested \ud800 ten people.", source="request", max_chars=1000)
    with pytest.raises(EncodingError, match="lone surrogate"):
        extract("Police arrested \udc00 ten people in Lagos.")


# --- folders: what cannot be read is named, never skipped in silence ----------------------------


def _reads_through_sources(name):
    from flashpoint.sources import read_sources
    from flashpoint.sources.web import FakeTransport, Fetcher

    return list(read_sources([name], fetcher=Fetcher(FakeTransport({}))))


def _reads_through_api(name):
    from flashpoint.api import read_inputs

    return list(read_inputs([name]))


@pytest.mark.parametrize("read", [_reads_through_sources, _reads_through_api])
def test_folder_names_dangling_links_fifos_and_unreadable_folders_in_order(tmp_path, monkeypatch, read):
    story = "Police arrested ten people in Lagos on Monday."
    (tmp_path / "a.txt").write_text(story, encoding="utf-8")
    (tmp_path / "b.txt").symlink_to(tmp_path / "gone.txt")
    os.mkfifo(tmp_path / "c.txt")  # opening it would wait for a writer for ever
    locked = tmp_path / "d"
    locked.mkdir()
    (locked / "e.txt").write_text(story, encoding="utf-8")
    (tmp_path / "z.txt").write_text(story, encoding="utf-8")
    # Passed over on purpose: hidden entries and other suffixes.
    (tmp_path / ".draft.txt").write_text(story, encoding="utf-8")
    (tmp_path / ".cache").mkdir()
    (tmp_path / ".cache" / "f.txt").write_text(story, encoding="utf-8")
    (tmp_path / "notes.csv").write_text("a,b\n", encoding="utf-8")
    os.mkfifo(tmp_path / "control.pipe")

    # Tests run as root here, where chmod cannot lock a folder: refuse to list it as the OS would.
    real_scandir = os.scandir

    def scandir(path="."):
        if Path(path) == locked:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    got = read(str(tmp_path))
    assert [(type(g).__name__, Path(g.source).name) for g in got] == [
        ("Article", "a.txt"), ("Dropped", "b.txt"), ("Dropped", "c.txt"), ("Dropped", "d"), ("Article", "z.txt")]
    assert got[1].reason == f"is a dangling symbolic link: {tmp_path / 'gone.txt'} does not exist; fix or remove the link"
    assert got[2].reason.startswith("is a FIFO, not a regular file")
    assert got[3].reason == "cannot be read: Permission denied"
    assert all(g.code == "E100" for g in got if isinstance(g, Dropped))


def test_unreadable_subfolder_is_named(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root reads a folder whatever its mode")
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "a.txt").write_text("Police arrested ten people in Lagos.", encoding="utf-8")
    locked.chmod(0)
    try:
        assert expand(str(tmp_path)) == [Dropped(str(locked), "cannot be read: Permission denied", "E100")]
    finally:
        locked.chmod(0o700)


def test_folder_given_relative_to_its_parent_is_read(tmp_path, monkeypatch):
    (tmp_path / "news").mkdir()
    (tmp_path / "news" / "a.txt").write_text("Police arrested ten people in Lagos.", encoding="utf-8")
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    assert expand("../news") == ["../news/a.txt"]


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_text_saved_as_utf16_or_utf32_with_a_byte_order_mark_is_read(tmp_path, codec):
    story = "Police arrested five protesters in Lagos on Monday, said Ọlọ́pàá."
    p = tmp_path / "windows.txt"
    p.write_bytes(("\ufeff" + story).encode(codec))
    (a,) = items(p)
    assert isinstance(a, Article) and a.text == story


# --- pages too costly to extract --------------------------------------------------------------


def test_page_of_endless_tiny_elements_is_refused_at_once(tmp_path):
    p = tmp_path / "divs.html"
    p.write_text("<html><body>" + "<div>x</div>" * 92_000 + "</body></html>", encoding="utf-8")
    started = time.monotonic()
    (d,) = items(p)
    assert time.monotonic() - started < 2
    assert isinstance(d, Dropped) and d.code == "E110"
    assert d.reason.startswith("has 184,004 HTML tags, over the 50,000 a news page needs;")


def test_a_large_news_page_is_still_read(tmp_path):
    teaser = ('<div class="teaser"><a href="/story/{0}"><img src="/img/{0}.jpg" alt="Photo"><h3>Minister resigns over '
              'fuel prices</h3></a><p class="summary">The minister said on Monday he would step down.</p></div>')
    story = ("<p>Security forces fired tear gas at thousands of protesters who gathered outside parliament in Lagos on "
             "Tuesday, demanding the withdrawal of a finance bill that would raise taxes on bread and fuel.</p>") * 30
    page = ("<!DOCTYPE html><html><head><title>Protesters clash with police in Lagos</title>"
            + "<style>" + ".nav li{margin:0 4px}" * 3000 + "</style><script>" + "track('view');" * 3000 + "</script>"
            + "</head><body><nav><ul>"
            + "".join(f'<li><a href="/section/{i}">Section {i}</a></li>' for i in range(1300)) + "</ul></nav>"
            + f"<main><article><h1>Protesters clash with police in Lagos</h1>{story}</article></main><aside>"
            + "".join(teaser.format(i) for i in range(240)) + "</aside><footer>Copyright</footer></body></html>")
    assert 7_000 < page.count("<") < 10_000 and len(page) > 200_000
    p = tmp_path / "news.html"
    p.write_text(page, encoding="utf-8")
    (a,) = items(p)
    assert isinstance(a, Article) and "fired tear gas at thousands of protesters" in a.text


def test_json_nested_too_deeply_costs_only_its_line(tmp_path):
    p = tmp_path / "deep.jsonl"
    p.write_text('{"text": "Police arrested ten people in Lagos."}\n' + "[" * 100_000 + "]" * 100_000 + "\n"
                 '{"text": "Troops shelled Kharkiv."}\n', encoding="utf-8")
    first, deep, last = items(p)
    assert isinstance(first, Article) and isinstance(last, Article)
    assert isinstance(deep, Dropped) and deep.line == 2 and "nested too deeply" in deep.reason
