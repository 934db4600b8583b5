from datetime import date

import pytest

from flashpoint.coding.stages.dates import resolve

PUB = date(2024, 11, 20)  # a Wednesday


@pytest.mark.parametrize(
    ("text", "anchor", "want"),
    [
        ("Officials said yesterday", None, date(2024, 11, 19)),
        ("The attack came on Tuesday", None, date(2024, 11, 19)),
        ("The attack came on Wednesday", None, date(2024, 11, 20)),
        ("It happened last Wednesday", None, date(2024, 11, 13)),
        ("A day earlier it hit Bryansk", date(2024, 11, 19), date(2024, 11, 18)),
        ("Two days later the town fell", date(2024, 11, 10), date(2024, 11, 12)),
        ("the previous day", date(2024, 11, 19), date(2024, 11, 18)),
        ("three days ago", None, date(2024, 11, 17)),
        ("on March 3", None, date(2024, 3, 3)),
        ("on 3 March 2023", None, date(2023, 3, 3)),
        ("on January 30", None, date(2024, 1, 30)),
        ("talks on December 10", None, date(2024, 12, 10)),
        ("the 2024-02-29 vote", None, date(2024, 2, 29)),
        ("nothing dated here", None, None),
    ],
)
def test_resolve(text, anchor, want):
    assert resolve(text, PUB, anchor) == want


def test_relative_date_across_month_boundary():
    # Published on the 1st: "yesterday" is the last day of the previous month.
    assert resolve("Shelling killed two people yesterday", date(2024, 12, 1), None) == date(2024, 11, 30)
    assert resolve("on Saturday", date(2024, 3, 1), None) == date(2024, 2, 24)


def test_future_weekday_points_forward():
    assert resolve("They will meet on Friday", PUB, None, future=True) == date(2024, 11, 22)


def test_invalid_calendar_date_is_ignored():
    assert resolve("on February 31", PUB, None) is None


def test_no_publication_date_gives_no_relative_date():
    assert resolve("yesterday", None, None) is None


def test_undated_sentence_takes_the_date_the_story_states(code):
    text = ("A man was shot Friday night in Dayton, police said.\n\n"
            "Officers found the victim on the sidewalk. Police said a gunman shot him twice.")
    evs = [e for e in code(text, date="2024-11-20") if e["event"][0] == "ASSAULT"]
    assert evs and all(e["date"] == "2024-11-15" for e in evs)


def test_present_tense_event_keeps_the_publication_date(code):
    text = ("Rebels attacked a checkpoint near Goma on Monday, officials said.\n\n"
            "The army is deploying thousands of troops to the region.")
    (mob,) = [e for e in code(text, date="2024-11-20") if e["event"][0] == "MOBILIZE"]
    assert mob["date"] == "2024-11-20"
