"""Language identification: the usual news languages are told apart; scraps are 'und'."""

import pytest

from flashpoint.language import codable, detect, is_english

ENGLISH = ("Security forces fired tear gas at thousands of protesters who gathered outside parliament on Tuesday, "
           "demanding the withdrawal of a finance bill that would raise taxes on bread and fuel.")
FRENCH = ("Des milliers de manifestants se sont rassemblés mardi devant le parlement pour protester contre la réforme "
          "des retraites. La police a interpellé une quarantaine de personnes, selon le ministère de l'Intérieur.")
SPANISH = ("Miles de manifestantes se concentraron el martes frente al Congreso para exigir la retirada de la reforma "
           "laboral. La policía detuvo a cuarenta personas, según informó el Ministerio del Interior.")


@pytest.mark.parametrize(("text", "lang"), [(ENGLISH, "en"), (FRENCH, "fr"), (SPANISH, "es")])
def test_paragraph_language_is_detected_with_high_probability(text, lang):
    code, prob = detect(text)
    assert code == lang and 0.9 <= prob <= 1.0


@pytest.mark.parametrize("text", ["", "   \n", "NATO", "Biden meets Xi", "12,345 - 67.8% (2024)"])
def test_empty_short_or_wordless_text_is_undetermined(text):
    assert detect(text) == ("und", 0.0)


def test_language_is_judged_by_the_opening_of_a_long_text():
    assert detect(ENGLISH * 10 + FRENCH * 1000)[0] == "en"


def test_is_english():
    assert is_english(ENGLISH)
    assert not is_english(FRENCH)
    assert not is_english("")


def test_is_english_threshold_is_respected():
    # A short sentence: English, but with less certainty than a paragraph.
    sentence = "Police arrested ten people in Lagos on Friday."
    assert is_english(sentence) and not is_english(sentence, threshold=0.99)


@pytest.mark.parametrize("line", [
    "Police arrested five protesters in Lagos on Monday.",
    "Russian forces shelled Kharkiv overnight, killing two civilians.",
    "Thousands protested in Dhaka on Friday against fuel prices.",
    "A suicide bomber killed six people in Kabul on Tuesday.",
    "Gunmen kidnapped 20 students in Kaduna state.",
    "Nigerian police arrest 5 in Lagos",
    "Bandits kill 12 in Katsina attack",
])
def test_one_line_english_reports_are_english(line):
    # Short English from Nigeria reads like Nigerian Pidgin to the classifier, and a headline's
    # first choice is often a toss-up.
    assert detect(line)[0] == "en"


@pytest.mark.parametrize(("line", "lang"), [
    ("La police a arrêté cinq manifestants à Lagos lundi.", "fr"),
    ("Un kamikaze a tué six personnes à Kaboul mardi.", "fr"),
    ("La policía detuvo a cinco manifestantes en Lagos el lunes.", "es"),
    ("Un terrorista suicida mató a seis personas en Kabul.", "es"),
    ("Die Polizei nahm am Montag in Lagos fünf Demonstranten fest.", "de"),
    ("Russische Truppen beschossen Charkiw in der Nacht.", "de"),
])
def test_short_foreign_news_lines_are_still_not_english(line, lang):
    code, _ = detect(line)
    assert code == lang and not codable(code)


def test_a_paragraph_of_nigerian_pidgin_is_still_told_from_english():
    pidgin = ("Police for Lagos State don arrest five pipo wey dey protest for Ikeja on Monday. Di police tok-tok "
              "pesin tok say dem carry di suspects go station becos dem block di road. Some of di protesters tok say "
              "dem no do anytin wrong, and say na peaceful protest dem dey do. Goment neva tok anytin about di mata, "
              "but plenti pipo for social media dey vex as di price of fuel wey don go up na wahala for everybody.")
    assert sum(ch.isalpha() for ch in pidgin) > 300 and detect(pidgin)[0] == "pcm"
