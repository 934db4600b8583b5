"""Which language a text is in, so that non-English articles can be set aside before coding.

Uses py3langid, which ships its model inside the package: nothing is downloaded.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

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


@cache
def _identifier() -> LanguageIdentifier:
    # Imported and loaded on first use: the model takes ~0.4 s to load and most runs never ask.
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect(text: str) -> tuple[str, float]:
    """The language of `text` and the classifier's probability for it, in [0, 1].

    The code is ISO 639-1 where the language has one (e.g. "en", "fr"), else ISO 639-3.
    Text too short to tell, or with no words at all, gives ("und", 0.0)."""
    sample = text[:_SAMPLE_CHARS]
    if sum(ch.isalpha() for ch in sample) < _MIN_LETTERS:
        return UNDETERMINED, 0.0
    lang, prob = _identifier().classify(sample)
    if lang == _NO_LANGUAGE:
        return UNDETERMINED, 0.0
    return lang, min(1.0, max(0.0, float(prob)))


def codable(lang: str | None) -> bool:
    """Whether an article identified as `lang` is coded when only English ones are: English, or
    text too short to tell."""
    return lang in ("en", UNDETERMINED)


def is_english(text: str, threshold: float = 0.5) -> bool:
    """True when `text` is English with probability at least `threshold`."""
    lang, prob = detect(text)
    return lang == "en" and prob >= threshold
