"""Text that would stall the parser: long runs of one symbol are blanked, offsets kept exact."""

from __future__ import annotations

import pytest

from flashpoint.coding.nlp import MAX_SYMBOL_RUN, normalize
from flashpoint.model import Article

ARREST = "Police arrested five protesters in Lagos on Monday."


@pytest.mark.parametrize("text", [
    "Talks resumed -- and stalled -- on Friday...",
    "Enough!!! The strike goes on?!?!",
    "Part one ends here.\n\n***\n\nPart two begins.",
    "PROTESTS\n========\nThousands marched in Nairobi.",
    "Results\n" + "=" * MAX_SYMBOL_RUN + "\nSee the table.",
    "Section break\n\n" + "*" * MAX_SYMBOL_RUN + "\n\nAnd on.",
    "Sign here: " + "_" * MAX_SYMBOL_RUN + ".",
    "Chapter 1 " + "." * MAX_SYMBOL_RUN + " 5",
])
def test_ordinary_punctuation_up_to_the_limit_is_left_alone(text):
    # The line-wrap rules may turn a newline into a space; nothing else changes.
    assert normalize(text).replace("\n", " ") == text.replace("\n", " ")


@pytest.mark.parametrize("char", ["&", "=", "*", "_", "!", "#", "-", "."])
def test_a_run_over_the_limit_becomes_spaces_of_the_same_length(char):
    run = char * (MAX_SYMBOL_RUN + 1)
    text = f"{ARREST} {run} Officials said more arrests were likely."
    out = normalize(text)
    assert len(out) == len(text)
    assert out == text.replace(run, " " * len(run))
    # Letters and digits are never runs to blank.
    assert normalize("a" * 50 + " " + "7" * 50) == "a" * 50 + " " + "7" * 50


def test_runs_are_blanked_in_multi_line_text_too():
    text = "Lagos\n\nPolice said.\n" + "&" * 40 + "\nMore to come."
    out = normalize(text)
    assert len(out) == len(text) and "&" not in out
    assert out[text.index("&"):text.index("&") + 40] == " " * 40


@pytest.mark.parametrize("layout", ["after the sentence", "before the sentence", "between sentences", "own line"])
def test_a_ten_thousand_symbol_run_is_not_tokenised_and_the_event_points_into_the_text(pipeline, layout):
    run = "&" * 10_000
    text = {
        "after the sentence": f"{ARREST} {run}",
        "before the sentence": f"{run} {ARREST}",
        "between sentences": f"The city was calm on Sunday. {run} {ARREST} Officials said more arrests were likely.",
        "own line": f"Lagos news\n\n{run}\n{ARREST}",
    }[layout]
    (done,) = pipeline.run_batch([Article(id="run", text=text, date=None)])
    # Tokenised, the run was one token per character (and took 25 s): now it is one blank.
    assert len(done.doc) < 50
    arrests = [e for e in done.events if e.event == ["COERCE"] and "arrest" in e.mode]
    assert len(arrests) == 1
    evidence = arrests[0].evidence
    assert evidence.text == ARREST
    assert text[evidence.start:evidence.end] == ARREST
    assert evidence.start == text.index(ARREST)
