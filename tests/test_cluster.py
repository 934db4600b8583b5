"""Same-event clustering: one phenomenon per test on hand-written reports, B-cubed, the ECB+ reader and floor."""

from __future__ import annotations

from datetime import date

import pytest

from flashpoint.cluster import b_cubed, cluster_articles, eval_ecbplus, load_ecbplus
from flashpoint.model import Article

DAY = date(2024, 3, 4)

STRIKE_A = ("Thousands of dock workers walked off the job at the Port of Rotterdam on Monday, halting container "
            "traffic at Europe's busiest port. The FNV union said the 48-hour strike was called after talks with "
            "terminal operators over pay and staffing broke down. Ships queued in the North Sea as cranes stood idle.")
STRIKE_B = ("Rotterdam dockers strike over wages. Container terminals in Rotterdam stood still on Monday as members "
            "of the FNV union began a two-day walkout, the union said. Port operators said dozens of vessels were "
            "waiting to berth and warned of delays across Europe after negotiations on pay collapsed.")
QUAKE_TURKEY = ("A magnitude 6.4 earthquake struck eastern Turkey on Tuesday, killing at least 12 people and injuring "
                "dozens in Malatya province, the disaster agency AFAD said. Buildings collapsed in several villages "
                "and rescue teams searched the rubble through the night.")
QUAKE_PERU = ("A magnitude 7.1 earthquake hit southern Peru on Tuesday, killing at least nine people near Arequipa, "
              "officials said. Houses collapsed in mountain villages and rescue workers searched the rubble, "
              "Peru's civil defence institute said.")
SHOOTING_TULSA = ("A gunman opened fire at a supermarket in Tulsa, Oklahoma, on Saturday, killing three people before "
                  "police shot him dead, Tulsa police said. Witnesses described shoppers fleeing as shots rang out "
                  "near the checkout lanes.")
SHOOTING_SACRAMENTO = ("Two people were killed and four wounded when a gunman opened fire outside a nightclub in "
                       "Sacramento, California, early on Saturday, police said. Officers arrested a suspect near the "
                       "scene, and witnesses described people fleeing as shots rang out.")


def art(text: str, day: date | None = DAY, id: str = "a") -> Article:
    return Article(id=id, text=text, date=day)


def test_two_reports_of_one_strike_in_different_words_merge():
    ids = cluster_articles([art(STRIKE_A), art(STRIKE_B)])
    assert ids[0] == ids[1]


def test_earthquakes_in_two_countries_on_the_same_day_stay_apart():
    ids = cluster_articles([art(QUAKE_TURKEY), art(QUAKE_PERU)])
    assert ids[0] != ids[1]


def test_shootings_in_two_cities_stay_apart():
    ids = cluster_articles([art(SHOOTING_TULSA), art(SHOOTING_SACRAMENTO)])
    assert ids[0] != ids[1]


def test_a_mixed_batch_groups_each_event_once():
    texts = [STRIKE_A, QUAKE_TURKEY, SHOOTING_TULSA, STRIKE_B, QUAKE_PERU, SHOOTING_SACRAMENTO]
    assert cluster_articles([art(t) for t in texts]) == ["c0001", "c0002", "c0003", "c0001", "c0004", "c0005"]


def test_reports_far_apart_in_time_stay_apart():
    ids = cluster_articles([art(STRIKE_A, date(2024, 3, 4)), art(STRIKE_B, date(2024, 3, 20))], window_days=3)
    assert ids[0] != ids[1]


def test_the_window_does_not_stretch_through_a_chain_of_reports():
    days = [date(2024, 3, 4), date(2024, 3, 6), date(2024, 3, 8)]
    ids = cluster_articles([art(STRIKE_A, d) for d in days], window_days=3)
    assert ids[0] != ids[2]
    assert ids[1] in (ids[0], ids[2])


def test_undated_reports_still_merge():
    ids = cluster_articles([art(STRIKE_A, None), art(STRIKE_B, None)])
    assert ids[0] == ids[1]


def test_ids_are_numbered_by_first_appearance_and_repeatable():
    batch = [art(QUAKE_PERU), art(STRIKE_A), art(STRIKE_B), art(QUAKE_TURKEY)]
    first = cluster_articles(batch)
    assert first == ["c0001", "c0002", "c0002", "c0003"]
    assert cluster_articles(batch) == first
    assert cluster_articles([]) == []


def test_b_cubed_on_a_known_example():
    # Gold {1,2} {3,4}; predicted {1,2,3} {4}: P = (2/3 + 2/3 + 1/3 + 1) / 4, R = (1 + 1 + 1/2 + 1/2) / 4.
    score = b_cubed(["a", "a", "b", "b"], ["x", "x", "x", "y"])
    assert score["precision"] == pytest.approx(2 / 3)
    assert score["recall"] == pytest.approx(3 / 4)
    assert score["f1"] == pytest.approx(12 / 17)
    assert b_cubed([1, 1, 2], ["p", "p", "q"]) == {"precision": 1.0, "recall": 1.0, "f1": 1.0}


def test_ecbplus_reader_takes_the_url_out_of_the_text(tmp_path):
    folder = tmp_path / "ecbplus" / "3"
    folder.mkdir(parents=True)
    tokens = [(0, "http"), (0, ":"), (0, "//x.org/a"), (1, "Inmate"), (1, "escapes"), (1, "."), (2, "Police"), (2, "search")]
    body = "".join(f'<token t_id="{i}" sentence="{s}" number="{i}">{w}</token>' for i, (s, w) in enumerate(tokens))
    (folder / "3_1ecbplus.xml").write_text(f'<Document doc_name="3_1ecbplus.xml">{body}<Markables/></Document>')
    (folder / "3_1ecb.xml").write_text('<Document><token t_id="1" sentence="0" number="0">Jailbreak</token></Document>')
    docs = load_ecbplus(tmp_path / "ecbplus")
    assert [(a.id, label) for a, label in docs] == [("3_1ecb.xml", "3/ecb"), ("3_1ecbplus.xml", "3/ecbplus")]
    plus = docs[1][0]
    assert plus.url == "http://x.org/a"
    assert plus.text == "Inmate escapes .\nPolice search"
    assert plus.date is None
    assert eval_ecbplus(tmp_path / "absent") is None
