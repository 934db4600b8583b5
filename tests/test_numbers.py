"""Sizes: one phenomenon per article."""

from __future__ import annotations

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
