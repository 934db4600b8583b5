"""Language identification: the usual news languages are told apart; scraps are 'und'."""

import pytest

from flashpoint.language import detect, is_english

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
