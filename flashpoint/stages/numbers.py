"""Sizes: dead, injured, arrested and troops from numbers, number words and vague quantities.

Convention (docs/extraction.md): "at least N", "more than N", "over N" and "up to N" give N;
"a dozen" 12, "dozens" 24, "scores" 40, "hundreds" 200, "thousands" 2000, "tens of thousands"
20000, "several" 3, "a few" 3; a word a person can count ("a soldier", "one man") gives 1.
Within a sentence the first figure found for a category wins.
"""

from __future__ import annotations

import re

from spacy.tokens import Span, Token

from ..article import Article
from ..model import Size
from ..pipeline import Resources, stage

UNITS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen".split())}
TENS = {w: (i + 2) * 10 for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split())}
SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
VAGUE = {"dozen": 12, "dozens": 24, "scores": 40, "hundreds": 200, "thousands": 2000, "several": 3,
         "few": 3, "tens": 20000, "score": 20}

DEAD = frozenset({"kill", "die", "dead", "death", "slay", "massacre", "execute", "murder", "fatality",
                  "body", "toll", "perish", "behead", "lifeless", "killed", "shoot dead"})
INJURED = frozenset({"injure", "wound", "hurt", "injury", "injured", "wounded", "hospitalize", "hospitalise", "casualty"})
ARRESTED = frozenset({"arrest", "detain", "detention", "round", "jail", "custody", "apprehend", "nab", "arrested", "detained"})
TROOPS = frozenset({"troop", "soldier", "serviceman", "personnel", "reservist", "marine", "paratrooper", "conscript"})
_NUM_RE = re.compile(r"^\d{1,3}(,\d{3})+$|^\d+$|^\d+(\.\d+)?$")


def parse_number(tokens: list[Token]) -> int | None:
    """The integer a run of number tokens denotes: "10,000", "12", "three", "a dozen", "1.5 million"."""
    words = [t.lower_ for t in tokens]
    if not words:
        return None
    total, current = 0, 0
    found = False
    for w in words:
        w = w.strip()
        if _NUM_RE.match(w):
            current += float(w.replace(",", "")) if "." in w else int(w.replace(",", ""))
            found = True
        elif w in UNITS:
            current += UNITS[w]
            found = True
        elif w in TENS:
            current += TENS[w]
            found = True
        elif "-" in w and all(p in TENS or p in UNITS for p in w.split("-")):
            current += sum(TENS.get(p, UNITS.get(p, 0)) for p in w.split("-"))
            found = True
        elif w in SCALES:
            current = (current or 1) * SCALES[w]
            if SCALES[w] >= 1000:
                total += current
                current = 0
            found = True
        elif w in VAGUE:
            return VAGUE[w] if not found else int(total + current)
        elif w in ("a", "an", "and", "of"):
            continue
        else:
            break
    return int(total + current) if found else None


def _number_run(tok: Token) -> list[Token]:
    """The tokens of the number that `tok` is part of (following compound number tokens)."""
    run = [c for c in tok.children if c.dep_ in ("compound", "quantmod") and (c.like_num or c.lower_ in SCALES)]
    return sorted([*run, tok], key=lambda t: t.i)


def _category(tok: Token) -> str | None:
    """Walk from the counted phrase up the tree and to its adjectives to find what is counted."""
    seen = 0
    t = tok
    while seen < 4:
        lem = t.lemma_.lower()
        low = t.lower_
        if lem in DEAD or low in DEAD:
            return "dead"
        if lem in INJURED or low in INJURED:
            return "injured"
        if lem in ARRESTED or low in ARRESTED:
            return "arrested"
        for c in t.children:
            cl = c.lemma_.lower()
            if c.dep_ in ("amod", "acomp", "oprd", "appos", "advmod", "compound") and c.i != tok.i:
                if cl in DEAD or c.lower_ in DEAD:
                    return "dead"
                if cl in INJURED or c.lower_ in INJURED:
                    return "injured"
        if t.dep_ in ("prep",) and t.lower_ in ("including", "among"):
            return None
        if lem in TROOPS and seen == 0 and not any(a.lemma_.lower() in DEAD | INJURED | ARRESTED for a in t.ancestors):
            return "troops"
        if t.head.i == t.i:
            break
        t = t.head
        seen += 1
    return None


def sentence_sizes(sent: Span | list[Token]) -> Size:
    size = Size()
    for tok in sent:
        if tok.dep_ in ("compound", "quantmod") and tok.head.like_num:
            continue
        counted: Token | None = None
        value: int | None = None
        if tok.like_num or tok.lower_ in VAGUE or tok.lower_ in UNITS or tok.lower_ in TENS:
            value = parse_number(_number_run(tok))
            if value is None:
                continue
            counted = tok.head if tok.dep_ == "nummod" else tok
            of = [p for c in tok.children if c.dep_ == "prep" and c.lower_ == "of" for p in c.children if p.dep_ == "pobj"]
            if of and tok.dep_ != "nummod":
                counted = of[0]  # "40 of these deaths", "dozens of soldiers"
            if tok.dep_ == "pobj" and tok.head.lower_ == "of" and tok.head.head.lower_ in VAGUE:
                continue
        if counted is None or value is None:
            continue
        cat = _category(counted)
        if cat is not None and getattr(size, cat) is None:
            setattr(size, cat, value)
    return size


@stage("numbers", reads=("doc", "events"), writes=("events.size",))
def numbers(articles: list[Article], res: Resources) -> None:
    for article in articles:
        for ev in article.events:
            trig = article.doc[ev.trigger_i]
            # The trigger's own clause first, so "six injured in police firing, 12 killed by
            # rioters" gives each event its own figures; else the whole sentence.
            root = trig if trig.pos_ == "VERB" else next((a for a in trig.ancestors if a.pos_ == "VERB"), trig)
            clause = sorted(root.subtree, key=lambda t: t.i)
            s = sentence_sizes(clause)
            if s.empty():
                s = sentence_sizes(trig.sent)
            ev.size = s
