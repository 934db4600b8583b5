"""Sizes: one phenomenon per article."""

from __future__ import annotations

import json

import pytest


def attack(code, text):
    evs = [e for e in code(text) if e["event"][0] == "ASSAULT"]
    assert evs, f"no ASSAULT in {text!r}"
    return evs[0]["size"]


@pytest.mark.parametrize(
    ("text", "dead", "injured"),
    [
        ("Gunmen killed at least 14 people and wounded three soldiers in Borno on Monday.", 14, 3),
        ("Shelling killed three civilians and injured a dozen others in Kharkiv.", 3, 12),
        ("An airstrike killed dozens of fighters near Idlib.", 24, None),
        ("The bombing killed more than 10,000 people over the year, officials said.", 10000, None),
        ("Police said the gunman fired multiple shots, killing Sarah Davidson and injuring Leanne Smith.", 1, 1),
        ("On February 25, Cartrail Robertson, 13, was shot dead in the 600 block of Hillcrest Street.", 1, None),
        ("A 17-year-old boy died after a shooting on Friday night.", 1, None),
        ("Three soldiers were killed and five wounded when rebels attacked a base near Goma.", 3, 5),
        ("A man was shot and fatally wounded outside a bar in Memphis.", 1, None),
    ],
)
def test_casualties(code, text, dead, injured):
    size = attack(code, text)
    assert (size["dead"], size["injured"]) == (dead, injured)


def test_revised_toll_latest_figure_wins(code):
    text = "A car bomb killed 12 people in Kabul on Monday, officials said. The death toll later rose to 20."
    assert attack(code, text)["dead"] == 20


def test_figures_stay_with_their_own_clause(code):
    evs = code("While six people were injured in police firing, 12 people were killed by the rioters.")
    police = [e for e in evs if any(a["sector"] == "COP" for a in e["actor"])]
    assert police and police[0]["size"]["injured"] == 6 and police[0]["size"]["dead"] is None


def test_arrests_and_troops(code):
    (arrest,) = [e for e in code("Police arrested 45 people in Dhaka on Sunday.") if e["event"][0] == "COERCE"]
    assert arrest["size"]["arrested"] == 45
    (mob,) = [e for e in code("Russia deployed some 2,500 troops near the border.") if e["event"][0] == "MOBILIZE"]
    assert mob["size"]["troops"] == 2500


@pytest.mark.parametrize(
    ("text", "dead", "injured"),
    [
        # Shot but not said to have died: injured; "4 shot, 1 killed": the dead are not also injured.
        ("Four people were shot and one was killed outside a club in Dayton on Saturday.", 1, 3),
        ("Two men were shot in Dayton on Saturday.", None, 2),
        ("A 15-year-old and a 69-year-old were hit by gunfire in Dayton on Saturday.", None, 2),
    ],
)
def test_shot_victims_count_as_injured(code, text, dead, injured):
    size = attack(code, text)
    assert (size["dead"], size["injured"]) == (dead, injured)


def test_outcome_in_a_later_sentence_fills_the_attack(code):
    text = ("Police said a man opened fire at a party in Dayton on Saturday night. "
            "The victim was pronounced dead at the scene. Two others suffered non-life-threatening injuries.")
    size = attack(code, text)
    assert (size["dead"], size["injured"]) == (1, 2)


def test_revision_updates_every_report_of_the_attack(pipeline):
    from flashpoint.api import extract
    from flashpoint.evaluate import incident_summary

    text = ("A gunman killed three people at a mall in Omaha on Monday. Witnesses said the gunman fired into a crowd. "
            "The death toll later rose to five.")
    events = extract(text, date="2024-11-20", pipeline=pipeline)
    assert incident_summary(events)["dead"] == 5


def test_a_number_larger_than_any_count_is_no_count(code, tmp_path):
    text = "Gunmen killed 99999999999999999999999 people in Lagos on Monday, police said."
    assert attack(code, text)["dead"] is None
    # It used to reach the store and fail its write (an integer SQLite cannot hold), losing the batch.
    from flashpoint.cli import main

    lines = [json.dumps({"text": text}), json.dumps({"text": "Police arrested five protesters in Lagos."})]
    (tmp_path / "n.jsonl").write_text("\n".join(lines) + "\n")
    assert main(["ingest", str(tmp_path / "n.jsonl"), "--db", str(tmp_path / "n.db"), "--quiet"]) == 0
