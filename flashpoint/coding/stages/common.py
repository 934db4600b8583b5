"""Small helpers the stages share."""

from __future__ import annotations

from collections.abc import Container

from spacy.tokens import Span, Token

# The lede: a story's first sentences say when and where its news happened.
LEDE_CHARS = 400


def listed_form(tok: Token, table: Container[str]) -> str | None:
    """The form of a noun a word table lists: its phrase with a modifier first ("command post",
    "police department"), else its lemma, else the word as written; None when none is listed."""
    for left in tok.lefts:
        if left.dep_ in ("compound", "amod"):
            phrase = f"{left.lemma_.lower()} {tok.lemma_.lower()}"
            if phrase in table:
                return phrase
    lemma = tok.lemma_.lower()
    return lemma if lemma in table else tok.lower_ if tok.lower_ in table else None


def governing_verb(tok: Token) -> Token:
    """The verb a noun hangs from ("killed in an airstrike" -> killed), or the root."""
    t = tok
    for _ in range(6):
        if t.pos_ in ("VERB", "AUX") or t.dep_ == "ROOT":
            return t
        t = t.head
    return t


class SentenceWords:
    """Lemmas, lower-case forms and lower-case text of each sentence, computed once per article
    however many events the sentence holds."""

    def __init__(self) -> None:
        self._cache: dict[int, tuple[set[str], str]] = {}

    def __call__(self, sent: Span) -> tuple[set[str], str]:
        got = self._cache.get(sent.start)
        if got is None:
            got = ({t.lemma_.lower() for t in sent} | {t.lower_ for t in sent}, sent.text.lower())
            self._cache[sent.start] = got
        return got
