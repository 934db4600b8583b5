"""Sizes: dead, injured, arrested and troops from numbers, number words and vague quantities.

Convention (docs/extraction.md): "at least N", "more than N", "over N" and "up to N" give N;
"a dozen" 12, "dozens" 24, "scores" 40, "hundreds" 200, "thousands" 2000, "tens of thousands"
20000, "several" 3, "a few" 3; a word a person can count ("a soldier", "one man") gives 1.
Within a sentence the first figure found for a category wins. Ages ("a 17-year-old"), addresses
("the 600 block") and measures are not counts. With no number, singular victims of an attack
are counted one each ("killing Sarah Davidson and injuring Leanne Smith": dead 1, injured 1).
Shot or stabbed people count as injured unless the sentence says they died ("4 shot, 1 killed":
dead 1, injured 3). A later sentence with no attack of its own fills the figures the last attack
left open ("The victim was pronounced dead"), and one that revises a toll ("the death toll rose
to 20") updates every earlier report of that day's attack: the latest figure wins.
"""

from __future__ import annotations

import re

from spacy.tokens import Span, Token

from ...model import Article, Size
from ...settings import DEFAULTS
from ..registry import Resources, stage

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
# Shot or stabbed: hit, and injured unless the same sentence says they died ("4 shot, 1 killed": 3 injured).
HIT = frozenset({"shoot", "stab", "shot", "stabbed"})
TROOPS = frozenset({"troop", "soldier", "serviceman", "personnel", "reservist", "marine", "paratrooper", "conscript"})
_NOT_COUNTS = frozenset({"DATE", "TIME", "MONEY", "PERCENT", "ORDINAL", "QUANTITY"})
MEASURES = frozenset({"year", "month", "week", "day", "hour", "minute", "second", "block", "mile", "kilometre",
                      "kilometer", "km", "foot", "feet", "meter", "metre", "percent", "%", "dollar", "caliber",
                      "calibre", "mm", "pound", "kg", "time", "p.m.", "a.m.", "yard", "acre", "degree", "mph",
                      # addresses: "at 17 McAfee Farm Road"
                      "road", "street", "avenue", "drive", "lane", "boulevard", "highway", "route", "st.", "ave.",
                      # what was fired, not who was hit: "at least 20 shots were fired"
                      "shot", "round", "bullet", "casing", "shell", "volley",
                      "rd.", "blvd.", "court", "place", "way", "circle", "parkway", "terrace", "trail", "apartment"})
# Singular nouns for one person: "killing a man", "the victim died" count 1.
PERSONS = frozenset({"man", "woman", "boy", "girl", "teen", "teenager", "child", "baby", "toddler", "infant", "victim",
                     "person", "officer", "soldier", "student", "resident", "driver", "father", "mother", "son",
                     "daughter", "brother", "sister", "husband", "wife", "friend", "suspect", "gunman", "civilian",
                     "policeman", "deputy", "trooper", "guard", "worker", "journalist", "protester", "youth",
                     "individual", "male", "female", "clerk", "customer", "neighbor", "neighbour", "cousin"})
MAX_COUNT = DEFAULTS.max_count
_NUM_RE = re.compile(r"^\d{1,3}(,\d{3})+$|^\d+$|^\d+(\.\d+)?$")


def parse_number(tokens: list[Token]) -> int | None:
    """The integer a run of number tokens denotes: "10,000", "12", "three", "a dozen", "1.5 million"."""
    words = [t.lower_ for t in tokens]
    if not words:
        return None
    total: float = 0
    current: float = 0
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
    if not found:
        return None
    value = int(total + current)
    # More people than live on Earth is not a count ("99999999999999999999999"), and would not fit
    # the store's integers either.
    return value if value <= MAX_COUNT else None


def _is_age(tok: Token) -> bool:
    """ "13-year-old": the number heads or modifies a hyphenated age."""
    nxt = tok.doc[tok.i + 1:tok.i + 4]
    return len(nxt) >= 2 and nxt[0].text == "-" and nxt[1].lemma_.lower() in ("year", "month", "week", "day")


def _count_people(tok: Token) -> int:
    """Singular people named as victims: a name or a person noun, with their conjuncts."""
    heads = [tok, *tok.conjuncts]
    n = 0
    for h in heads:
        if any(c.dep_ == "nummod" and (c.like_num or c.lower_ in VAGUE) for c in h.children):
            return 0  # counted by its number instead
        if h.ent_type_ == "PERSON" or (h.tag_ in ("NN", "NNP") and h.lemma_.lower() in PERSONS) or _is_aged(h):
            n += 1
        elif h.lower_ == "another" and h.dep_ in ("dobj", "nsubjpass"):
            n += 1  # "killed one officer and injured another"
    return n


def _nobody(tok: Token) -> bool:
    return tok.lower_ in ("nobody", "none") or tok.lower_ == "one" and any(c.lower_ == "no" for c in tok.children)


def _is_aged(tok: Token) -> bool:
    """ "a 6-year-old" standing for a person."""
    return tok.lower_ == "old" and tok.i >= 2 and tok.doc[tok.i - 2].lemma_.lower() in ("year", "month")


_SUFFER = frozenset({"suffer", "sustain", "receive"})
_GUNFIRE = frozenset({"gunfire", "bullet", "shot", "round", "shotgun", "pellet"})


def singular_victims(tokens) -> Size:
    """ "killing Sarah Davidson and injuring Leanne Smith", "a man was shot dead": one each."""
    size = Size()
    hits = 0
    for t in tokens:
        lem = t.lemma_.lower()
        if lem == "death" and t.pos_ == "NOUN":
            # "the shooting death of Dwayne Dillard"
            n = sum(_count_people(p) for c in t.children if c.dep_ == "prep" and c.lower_ == "of" for p in c.children
                    if p.dep_ == "pobj")
            if n and size.dead is None:
                size.dead = n
            continue
        if t.pos_ == "NOUN" and t.dep_ == "dobj" and t.head.lemma_.lower() in _SUFFER and (lem in INJURED or lem == "wound"):
            # "The child suffered a gunshot wound"; "suffered fatal injuries"
            fatal = any(c.lower_ in ("fatal", "mortal", "deadly") for c in t.children)
            n = sum(_count_people(v) for v in t.head.children if v.dep_ == "nsubj")
            cat: str | None = "dead" if fatal else "injured"
            if n and cat and getattr(size, cat) is None:
                setattr(size, cat, n)
            continue
        cat = ("dead" if lem in DEAD or t.lower_ in DEAD else "injured" if lem in INJURED or t.lower_ in INJURED
               else "hit" if lem in HIT else None)
        if cat is None and lem in ("hit", "strike") and any(
                g.lemma_.lower() in _GUNFIRE for c in t.children if c.dep_ == "agent" for g in c.children):
            cat = "hit"  # "were also hit by gunfire"
        if cat is None or t.pos_ not in ("VERB", "ADJ"):
            continue
        victims = [c for c in t.children if c.dep_ in ("dobj", "nsubjpass")]
        if not victims and t.dep_ == "conj":
            victims = [c for c in t.head.children if c.dep_ == "nsubjpass"]  # "was shot and killed"
        if lem == "die" or t.pos_ == "ADJ":
            victims = [c for c in t.children if c.dep_ == "nsubj"]
            if not victims and t.dep_ in ("acomp", "oprd", "amod"):
                head = t.head
                # "a dead man"; "X was shot dead" / "X was left dead"
                victims = [head] if head.pos_ in ("NOUN", "PROPN") else [
                    c for c in head.children if c.dep_ in ("nsubjpass", "nsubj", "dobj")]
        if t.dep_ == "oprd" or any(c.lower_ in ("dead", "fatally", "mortally") and c.dep_ in ("acomp", "oprd", "advmod")
                                   for c in t.children):
            cat = "dead"  # "was shot dead", "fatally wounding"
        if cat != "hit" and any(_nobody(v) for v in victims):
            if getattr(size, cat) is None:
                setattr(size, cat, 0)  # "no one was killed", "nobody was hurt"
            continue
        n = sum(_count_people(v) for v in victims)
        if cat == "hit":
            hits = hits or n
        elif n and getattr(size, cat) is None:
            setattr(size, cat, n)
    return _injured_from_hits(size, hits)


def _injured_from_hits(size: Size, hits: int | None) -> Size:
    if size.injured is None and hits and hits > (size.dead or 0):
        size.injured = hits - (size.dead or 0)
    return size


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
        if any(c.dep_ in ("nsubj", "nsubjpass") and c.lemma_.lower() == "toll" for c in t.children):
            return "dead"  # "the death toll rose to 20"
        for c in t.children:
            cl = c.lemma_.lower()
            # "dobj": "four people suffered injuries"
            if c.dep_ in ("amod", "acomp", "oprd", "appos", "advmod", "compound", "dobj") and c.i != tok.i:
                if cl in DEAD or c.lower_ in DEAD:
                    return "dead"
                if cl in INJURED or c.lower_ in INJURED:
                    return "injured"
        if lem in HIT or low in HIT:
            return "hit"
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
    hits = None
    for tok in sent:
        if tok.dep_ in ("compound", "quantmod") and tok.head.like_num:
            continue
        counted: Token | None = None
        value: int | None = None
        if tok.ent_type_ in _NOT_COUNTS:
            continue  # "February 25", "10 p.m.", "$5,000"
        if tok.like_num or tok.lower_ in VAGUE or tok.lower_ in UNITS or tok.lower_ in TENS:
            value = parse_number(_number_run(tok))
            if value is None:
                continue
            if _nobody(tok):
                value = 0  # "no one was killed"
            counted = tok.head if tok.dep_ == "nummod" else tok
            of = [p for c in tok.children if c.dep_ == "prep" and c.lower_ == "of" for p in c.children if p.dep_ == "pobj"]
            if of and tok.dep_ != "nummod":
                counted = of[0]  # "40 of these deaths", "dozens of soldiers"
            if tok.dep_ == "pobj" and tok.head.lower_ == "of" and tok.head.head.lower_ in VAGUE:
                continue
        if counted is None or value is None:
            continue
        if counted.lemma_.lower() in MEASURES or tok.dep_ in ("appos", "npadvmod") or _is_age(tok):
            continue  # "a 17-year-old", "the 600 block", "Roberts, 13,"
        cat = _category(counted)
        if cat == "hit":
            hits = hits or value
        elif cat is not None and getattr(size, cat) is None:
            setattr(size, cat, value)
    return _injured_from_hits(size, hits)


def _fill(size: Size, other: Size) -> Size:
    return Size(*(a if a is not None else b for a, b in zip(
        (size.dead, size.injured, size.arrested, size.troops),
        (other.dead, other.injured, other.arrested, other.troops), strict=True)))


@stage("numbers", reads=("doc", "events"), writes=("events.size",))
def numbers(articles: list[Article], res: Resources) -> None:
    for article in articles:
        same_type: dict[tuple[int, str], int] = {}
        for ev in article.events:
            key = (article.parsed[ev.trigger_i].sent.start, ev.event[0])
            same_type[key] = same_type.get(key, 0) + 1
        for ev in article.events:
            trig = article.parsed[ev.trigger_i]
            sent = trig.sent
            # The trigger's own clause first, so "six injured in police firing, 12 killed by
            # rioters" gives each event its own figures; the rest of the sentence fills gaps only
            # when no other event of the type could own them.
            root = trig if trig.pos_ == "VERB" else next((a for a in trig.ancestors if a.pos_ == "VERB"), trig)
            clause = sorted(root.subtree, key=lambda t: t.i)
            size = sentence_sizes(clause)
            attack = ev.event[0] == "ASSAULT"
            if attack:
                size = _fill(size, singular_victims(clause))
            if same_type[(sent.start, ev.event[0])] == 1:
                size = _fill(size, sentence_sizes(sent))
                if attack:
                    size = _fill(size, singular_victims(sent))
            elif size.empty():
                size = sentence_sizes(sent)
            ev.size = _own_kinds(size, ev.event[0])
        _carry_outcomes(article)
        _apply_revisions(article)


# Which figures an event of a type can have: a refusal, a meeting or an appeal kills nobody ("in
# 1984 the authorities refused to call in the army till thousands were killed"), and the troops
# massed on a border are a mobilisation's, not the strike's.
_KINDS = {
    "ASSAULT": ("dead", "injured"),
    "PROTEST": ("dead", "injured", "arrested"),
    "COERCE": ("dead", "injured", "arrested"),
    "MOBILIZE": ("troops",),
    "RETREAT": ("troops",),
}


def _own_kinds(size: Size, etype: str) -> Size:
    kinds = _KINDS.get(etype, ())
    return Size(**{k: getattr(size, k) if k in kinds else None for k in ("dead", "injured", "arrested", "troops")})


def _carry_outcomes(article: Article) -> None:
    """A sentence with no attack of its own that tells what became of the victims ("The victim
    was pronounced dead at the scene", "Two others were taken to hospital with injuries") fills
    the figures the last attack before it left open (the first one after, if none came before)."""
    attacks = [e for e in article.events if e.event[0] == "ASSAULT"]
    if not attacks:
        return
    own = {article.parsed[e.trigger_i].sent.start for e in attacks}
    for sent in article.parsed.sents:
        if sent.start in own:
            continue
        found = _fill(sentence_sizes(sent), singular_victims(sent))
        if found.dead is None and found.injured is None:
            continue
        before = [e for e in attacks if e.trigger_i < sent.start]
        target = before[-1] if before else attacks[0]
        target.size = _fill(target.size, Size(found.dead, found.injured))


_REVISION = frozenset({"rise", "climb", "reach", "increase", "now", "later", "revise", "update", "latest"})


def _apply_revisions(article: Article) -> None:
    """A later sentence that revises a toll ("The death toll later rose to 20") updates the last
    attack before it: the latest figure wins."""
    attacks = [e for e in article.events if e.event[0] == "ASSAULT"]
    if not attacks:
        return
    for sent in article.parsed.sents:
        lemmas = {t.lemma_.lower() for t in sent}
        if "toll" not in lemmas and not ("death" in lemmas and lemmas & _REVISION):
            continue
        revised = sentence_sizes(sent)
        before = [e for e in attacks if e.trigger_i < sent.start]
        if before and revised.dead is not None:
            # The revision is the attack's: every earlier report of it (same day) takes the new toll.
            day = before[-1].date
            for ev in before:
                if ev.date == day:
                    ev.size = Size(revised.dead, ev.size.injured, ev.size.arrested, ev.size.troops)
