"""Which language a text is in, so that non-English articles can be set aside before coding.

Uses py3langid, which ships its model inside the package: nothing is downloaded.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from .settings import DEFAULTS

if TYPE_CHECKING:
    from py3langid.langid import LanguageIdentifier

# The code for "could not tell" (ISO 639-2 'undetermined').
UNDETERMINED = "und"

# Language shows in the first paragraphs; classifying the rest costs time and changes nothing.
_SAMPLE_CHARS = 2000

# Below this many letters (a name, a headline fragment) the classifier's answer is noise.
_MIN_LETTERS = 20

# py3langid's label for text with no linguistic content (numbers, symbols).
_NO_LANGUAGE = "zxx"

# Below this many letters (a headline, a one-line report) the classifier cannot tell English from
# Nigerian Pidgin, an English-lexified creole: of the 295 one-line English reports of the gold set,
# 6 came out "pcm", and of the Nigerian ones joined into longer texts some did up to 300 letters,
# none beyond.
SHORT_LETTERS = DEFAULTS.short_text_letters
_PIDGIN = "pcm"
# In a short text another language must be this many times as likely as English to be called
# instead: with a headline's few words the first choice is often a toss-up ("Bandits kill 12 in
# Katsina attack": Bikol 0.095, English 0.055), while short French, Spanish or German news lines
# put English far behind.
_SHORT_MARGIN = 2.0


@cache
def _identifier() -> LanguageIdentifier:
    # Imported and loaded on first use: the model takes ~0.4 s to load and most runs never ask.
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect(text: str) -> tuple[str, float]:
    """The language of `text` and the classifier's probability for it, in [0, 1].

    The code is ISO 639-1 where the language has one (e.g. "en", "fr"), else ISO 639-3.
    Text too short to tell, or with no words at all, gives ("und", 0.0). A text under 300 letters
    is English unless another language is twice as likely, and is never Nigerian Pidgin."""
    sample = text[:_SAMPLE_CHARS]
    letters = sum(ch.isalpha() for ch in sample)
    if letters < _MIN_LETTERS:
        return UNDETERMINED, 0.0
    ranked = _identifier().rank(sample)
    lang, prob = ranked[0]
    if lang != _NO_LANGUAGE and letters < SHORT_LETTERS:
        lang, prob = _short_text_choice(ranked)
    if lang == _NO_LANGUAGE:
        return UNDETERMINED, 0.0
    return lang, min(1.0, max(0.0, float(prob)))


def _short_text_choice(ranked: list[tuple[str, float]]) -> tuple[str, float]:
    """The language of a short text from the classifier's ranking: Pidgin is taken for the English
    it cannot be told from, and English kept unless another language clearly beats it."""
    others = [(lang, prob) for lang, prob in ranked if lang != _PIDGIN]
    total = sum(prob for _, prob in others) or 1.0
    english = next((prob for lang, prob in others if lang == "en"), 0.0) / total
    lang, prob = others[0][0], others[0][1] / total
    return ("en", english) if prob < _SHORT_MARGIN * english else (lang, prob)


def codable(lang: str | None) -> bool:
    """Whether an article identified as `lang` is coded when only English ones are: English, or
    text too short to tell."""
    return lang in ("en", UNDETERMINED)


def is_english(text: str, threshold: float = 0.5) -> bool:
    """True when `text` is English with probability at least `threshold`."""
    lang, prob = detect(text)
    return lang == "en" and prob >= threshold
