"""Bad input: each gets a clear reason; the rest of the batch is still read."""

import io
import json
from datetime import date

import pytest

from flashpoint.model import Article
from flashpoint.sources.files import read_source
from flashpoint.model import Dropped


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
    from flashpoint.sources.files import parse_iso_date
    from flashpoint.errors import InputError

    for bad in ("2024-11-20 garbage", 20241120, "2024-02-30"):
        with pytest.raises(InputError):
            parse_iso_date(bad, source="x")
    assert str(parse_iso_date("2024-11-20T15:30:00Z", source="x")) == "2024-11-20"
