"""Toponyms in a parsed article, resolved to places with the article's own context.

Recognition: spaCy's GPE, LOC and FAC entities. Resolution scores each gazetteer candidate by
its population, its kind (a country or state name beats a town of that name), and context:
a "Town, State" or "Town, Country" pattern, the countries and states named elsewhere in the
article, and the country most of the article's unambiguous places lie in (one place per
discourse). Each mention gets the best candidate and a score in [0, 1].
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .gazetteer import Gazetteer, Place, fold_ascii, name_key

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span

PLACE_LABELS = frozenset({"GPE", "LOC", "FAC"})


@dataclass(slots=True)
class PlaceMention:
    text: str
    start: int
    end: int
    place: Place | None
    score: float

    def to_dict(self, article_id: str, gaz: Gazetteer | None = None) -> dict[str, Any]:
        p = self.place
        return {
            "article_id": article_id, "text": self.text, "start": self.start, "end": self.end,
            "name": p.name if p else None, "geonameid": p.geonameid if p else None,
            "lat": p.lat if p else None, "lon": p.lon if p else None,
            "feature_code": p.feature_code if p else None,
            "admin1": (gaz.admin1_name(p.country_code, p.admin1) if gaz and p else None) or (p.admin1 if p else None),
            "country_code": p.country_code if p else None, "population": p.population if p else None,
            "score": round(self.score, 3),
        }


def _clean(text: str) -> str:
    text = text.strip()
    for suffix in ("'s", "’s"):
        if text.endswith(suffix):
            text = text[: -len(suffix)]
    return text


_DIVISIONS = frozenset({"county", "parish", "township", "borough"})
# "Kursk region", "Kharkiv Oblast", "Idlib province": the region around the town of that name.
REGION_WORDS = frozenset({"region", "oblast", "province", "governorate", "prefecture", "krai", "oblast'"})


def _lookup(gaz: Gazetteer, span: Span) -> list[Place]:
    text = _clean(span.text)
    if len(span) > 1 and span[-1].lower_ in REGION_WORDS:
        named = [p for p in gaz.candidates(text) if p.feature == "admin1"]
        if named:
            return named
        # A region the gazetteer knows by another form ("Kharkivs'ka Oblast'"): the region around the town.
        base = _clean(span[:-1].text)
        regions = [gaz.region_of(p, f"{base} {span[-1].text.capitalize()}") for p in gaz.candidates(base)
                   if p.feature == "city"]
        return [r for r in regions if r is not None][:5]
    cands = gaz.candidates(text)
    words = text.lower().split()
    if words and words[-1] in _DIVISIONS:
        # "Modoc County": only a place whose own name says so, not a town with that alias.
        cands = [p for p in cands if words[0] in p.name.lower()]
    if not cands and len(span) > 1 and span[-1].lower_ in ("region", "province", "oblast", "state", "county", "district"):
        cands = [p for p in gaz.candidates(_clean(span[:-1].text)) if p.feature in ("admin1", "city")]
    if not cands and len(span) > 1 and span[0].lower_ in _DIRECTIONS:
        # "North Texas", "East Jackson": the part of a place is placed at the place.
        cands = _lookup(gaz, span[1:])
    return cands


# Entities the model labels otherwise that are still places: demonyms ("Georgian" troops), towns
# the model took for a person or an organisation, and the place an organisation is named after
# ("the Laurel County Detention Center", "the University of Rochester"). A well-known place is
# taken at once; a lesser one only when another name in the story lies near it.
_OTHER_LABELS = frozenset({"NORP", "ORG", "PERSON"})
_WELL_KNOWN = 50_000
_DIRECTIONS = frozenset({"north", "south", "east", "west", "northeast", "northwest", "southeast", "southwest",
                         "central", "northern", "southern", "eastern", "western", "greater", "upper", "lower"})


def _well_known(p: Place) -> bool:
    return p.feature in ("country", "admin1", "admin2") or p.population >= _WELL_KNOWN


def _need(cands: list[Place], k: int) -> int:
    """How many nearby names a lesser reading needs: none where one of them is well known, else `k`."""
    return 0 if any(_well_known(p) for p in cands) else k


def _covered(i: int, sure: list[tuple[Span, list[Place]]]) -> bool:
    """Whether token `i` lies in a span already taken."""
    return any(s.start <= i < s.end for s, _ in sure)


def _toponym_spans(doc: Doc, gaz: Gazetteer, demonyms: dict[str, str]) -> list[tuple[Span, list[Place]]]:
    sure: list[tuple[Span, list[Place]]] = []
    maybe: list[tuple[Span, list[Place], int]] = []  # with how many nearby names it needs
    for e in doc.ents:
        if e.label_ in _OTHER_LABELS | {"PRODUCT"} and e.end < len(doc) and doc[e.end].lower_ in REGION_WORDS:
            # "Kursk region": the model may take "Kursk" for the submarine; the region word decides.
            region = doc[e.start:e.end + 1]
            sure.append((region, _lookup(gaz, region)))
            continue
        if e.label_ in PLACE_LABELS:
            if e.end < len(doc) and doc[e.end].lower_ in REGION_WORDS:
                e = doc[e.start:e.end + 1]  # "Kursk" + "region"
            cands = _lookup(gaz, e)
            inner = _named_after(e, gaz) if not cands and len(e) > 1 else None
            if inner is not None:
                sure.append(inner)  # "the Dublin Art Stroll", "Newark Fire"
            else:
                sure.append((e, cands))
        elif e.label_ == "NORP":
            code = demonyms.get(_clean(e.text))
            place = gaz.country(code) if code is not None else None
            if place is not None:
                sure.append((e, [place]))
        elif e.label_ in _OTHER_LABELS:
            whole = _lookup(gaz, e)
            if whole:
                if any(_well_known(p) for p in whole):
                    sure.append((e, whole))
                else:
                    maybe.append((e, whole, 1 if e.label_ == "ORG" else 2))
            elif e.label_ == "ORG":
                inner = _named_after(e, gaz) or _demonym_head(e, gaz, demonyms)
                if inner is not None:
                    maybe.append((*inner, _need(inner[1], 1)))
        elif e.label_ == "PRODUCT":
            # "Kursk command post": the model knows the submarine; a well-known town the story
            # names again nearby is the town.
            whole = [p for p in _lookup(gaz, e) if _well_known(p)]
            if whole:
                maybe.append((e, whole, 1))
    for span in _untagged_names(doc):
        cands = _lookup(gaz, span)
        if cands:
            maybe.append((span, cands, _need(cands, 2)))
    for span in _affiliations(doc):
        if not _covered(span.start, sure):
            cands = _lookup(gaz, span)
            if cands:
                maybe = [m for m in maybe if not (m[0].start <= span.start < m[0].end)]
                maybe.append((span, cands, _need(cands, 1)))
    for town, where in _datelines(doc):
        maybe = [m for m in maybe if m[0].start != town.start]
        if not _covered(town.start, sure):
            cands = _lookup(gaz, town)
            if cands:
                sure.append((town, cands))
        if where is not None and not _covered(where.start, sure):
            cands = [p for p in _lookup(gaz, where) if p.feature in ("country", "admin1")]
            if cands:
                sure.append((where, cands))
    if maybe:
        found = sure + [(s, c) for s, c, _ in maybe]
        keys = [_key_of(s) for s, _ in found]
        near = _Neighbours(keys, [c for _, c in found])
        # The maybe entries are found's tail: each one's key computed once.
        sure += [(s, c) for (s, c, need), key in zip(maybe, keys[len(sure):], strict=True)
                 if need == 0 or any(near.count(key, p) >= need for p in c[:_MAX_READINGS])]
    return sorted([(s, c) for s, c in sure if not _not_a_toponym(s)], key=lambda sc: sc[0].start)


# Words that open or close longer names ("Fort Hood", "23rd Street", "Mount Hope"): alone, they
# are a fragment of that name, not the town a gazetteer may call by them.
_NAME_PARTS = frozenset({"fort", "street", "st", "road", "avenue", "ave", "boulevard", "drive", "lane", "mount",
                         "lake", "port", "river", "city", "county", "park", "square", "bridge", "camp", "saint"})


# Words that put a person's name next: "Chief Harrison" is a man.
_TITLES = frozenset({"mr", "mrs", "ms", "dr", "sen", "senator", "rep", "gov", "governor", "president", "minister",
                     "chief", "officer", "sgt", "sergeant", "lt", "detective", "deputy", "judge", "justice", "mayor",
                     "councilman", "councilwoman", "pastor", "rev", "capt", "captain", "col", "gen", "general",
                     "trooper", "attorney", "sheriff", "coach", "prof", "professor", "lord", "king", "queen", "prince"})


def _not_a_toponym(span: Span) -> bool:
    """A party code ("Sen. Smith (D)", "D-Charleston"), a single letter, the surname of a person
    named before, or a fragment of a longer name is no place."""
    text = span.text.strip(" .()")
    if len(text) <= 1:
        return True
    doc = span.doc
    if span[0].ent_type_ != "GPE" and span.start > 0 and doc[span.start - 1].lower_.rstrip(".") in _TITLES:
        return True  # "Police Chief Harrison", "Sen. Warner"
    if span[0].ent_type_ != "GPE" and len(span) == 1 and any(
            e.label_ == "PERSON" and len(e) > 1 and e.end <= span.start and e[-1].text == span[-1].text
            for e in span.doc.ents):
        return True  # "Matthew Wilson ... Wilson apologized": the man, not Wilson, New York
    if len(span) == 1 and span[0].lower_ in _NAME_PARTS:
        before = doc[span.start - 1] if span.start > 0 else None
        after = doc[span.end] if span.end < len(doc) else None
        return bool(after is not None and after.is_title or before is not None and (before.is_title or before.like_num))
    return False


def _named_after(ent: Span, gaz: Gazetteer) -> tuple[Span, list[Place]] | None:
    """The place at the head of an organisation's name ("the [Torrington] Fire Department",
    "Northeast [Georgia] Medical Center") or after its "of" ("the University of [Rochester]")."""
    toks = [t for t in ent if not (t.i == ent.start and t.lower_ == "the")]
    i = 0
    while i < len(toks) and toks[i].lower_ in _DIRECTIONS:
        i += 1
    for n in (3, 2, 1):
        if i + n < len(toks) and all(t.is_title or t.is_upper for t in toks[i:i + n]):
            span = ent.doc[toks[i].i:toks[i].i + n]
            cands = _lookup(gaz, span)
            if cands:
                return span, cands
    for j, t in enumerate(toks[:-1]):
        if t.lower_ == "of" and j > 0:
            span = ent.doc[toks[j + 1].i:ent.end]
            if len(span) <= 3 and all(t.is_title or t.is_upper for t in span):
                cands = _lookup(gaz, span)
                if cands:
                    return span, cands
    return None


_DASHES = ("--", "-", "—", "–", "(")


def _demonym_head(ent: Span, gaz: Gazetteer, demonyms: dict[str, str]) -> tuple[Span, list[Place]] | None:
    """ "the Georgian Interior Ministry": the country an organisation's name opens with."""
    first = next((t for t in ent if t.lower_ != "the"), None)
    if first is None or first.i + 1 >= ent.end:
        return None
    code = demonyms.get(first.text)
    place = gaz.country(code) if code is not None else None
    return (ent.doc[first.i:first.i + 1], [place]) if place is not None else None


_AFFILIATION = re.compile(r"\b(?:D|R|I|DFL)-([A-Z][a-z]+(?: [A-Z][a-z]+)?)\b")


def _untagged_names(doc: Doc) -> list[Span]:
    """Runs of proper nouns the model gave no entity ("shelled Odesa"), not opening a sentence
    (where any word is capitalised)."""
    out, i = [], 0
    while i < len(doc):
        t = doc[i]
        if t.ent_type_ or t.pos_ != "PROPN" or not t.is_title or t.is_sent_start:
            i += 1
            continue
        j = i
        while j < len(doc) and j - i < 3 and not doc[j].ent_type_ and doc[j].pos_ == "PROPN" and doc[j].is_title:
            j += 1
        out.append(doc[i:j])
        i = j
    return out


def _affiliations(doc: Doc) -> list[Span]:
    """A legislator's home after the party: "Rep. Wendell Gilliard, D-Charleston"."""
    spans = (doc.char_span(m.start(1), m.end(1), alignment_mode="contract") for m in _AFFILIATION.finditer(doc.text))
    return [s for s in spans if s is not None and len(s)]


def _datelines(doc: Doc) -> list[tuple[Span, Span | None]]:
    """A capitalised place opening the story or a paragraph before a dash, with the state or
    country after its comma: "COLUMBUS -- A 27-year-old", "CHARLESTOWN, IN (WAVE) -"; in text
    with no capitals, a place before a colon ("ahmedabad: ...")."""
    out = []
    # Text that lost its case has its datelines in lower case: "lucknow: the vhp on thursday".
    caseless = not any(ch.isupper() for ch in doc.text)
    for t in doc:
        if not (t.is_sent_start or t.i == 0 or "\n" in doc[t.i - 1].text_with_ws or doc[t.i - 1].is_space):
            continue
        j = t.i
        while j < len(doc) and j - t.i < 3 and (doc[j].is_upper or caseless) and doc[j].is_alpha:
            j += 1
        if j == t.i or j >= len(doc) or doc[j].text not in ((":",) if caseless else (*_DASHES, ",", ":")):
            continue
        region = None
        if doc[j].text == ",":
            k = j + 1
            while k < len(doc) and k - j <= 3 and doc[k].text not in _DASHES and not doc[k].is_space:
                k += 1
            if k < len(doc) and doc[k].text in _DASHES and k > j + 1:
                region = doc[j + 1:k]
        out.append((doc[t.i:j], region))
    return out


@dataclass(frozen=True, slots=True)
class Weights:
    """Resolution score weights, fitted on the LGL and TR-News development corpora (docs/benchmarks.md)."""

    population: float = 0.5  # per factor of ten people
    country: float = 3.5
    admin1: float = 2.5
    admin2: float = 1.5
    pattern: float = 6.0  # "Town, State"
    named_country: float = 2.0
    named_state: float = 2.5
    dominant_country: float = 1.5
    capital: float = 1.0
    alternate: float = 1.0
    nearby: float = 1.0  # per other name that could lie near this reading (one place per discourse)
    nearby_cap: int = 4


def geoparse(doc: Doc, gaz: Gazetteer, demonyms: dict[str, str] | None = None,
             weights: Weights = Weights()) -> list[PlaceMention]:
    found = _toponym_spans(doc, gaz, demonyms or {})
    return resolve(doc, [s for s, _ in found], [c for _, c in found], weights)


def resolve(doc: Doc, spans: list[Span], cands: list[list[Place]], w: Weights = Weights()) -> list[PlaceMention]:
    # Context from what is unambiguous: named countries and states, and single-candidate places.
    # Only unambiguous names count: "Georgia" may be the country or the state, so it names neither.
    # A mention is context for the others, not for itself.
    own_country = [_only(c, "country", "admin1") for c in cands]
    own_state = [_only(c, "admin1", "country") for c in cands]
    named_countries = Counter(p.country_code for p in own_country if p is not None)
    named_states = Counter((p.country_code, p.admin1) for p in own_state if p is not None)
    anchors: Counter[str | None] = Counter()
    for c in cands:
        if len({p.country_code for p in c}) == 1:
            anchors[c[0].country_code] += 1
    dominant = (anchors + named_countries).most_common(1)[0][0] if anchors or named_countries else None
    keys = [_key_of(sp) for sp in spans]
    support = _Neighbours(keys, cands)

    out = []
    for i, (span, options) in enumerate(zip(spans, cands, strict=True)):
        if not options:
            out.append(PlaceMention(span.text, span.start_char, span.end_char, None, 0.0))
            continue
        follower = _following_place(spans, cands, i, doc)
        leader = _preceding_cities(spans, cands, i, doc)
        best, best_score, total = None, -math.inf, 0.0
        scored = []
        for p in options:
            s = math.log10(p.population + 10) * w.population
            if p.feature in ("country", "continent"):
                s += w.country
            elif p.feature == "admin1":
                s += w.admin1
            elif p.feature == "admin2":
                s += w.admin2
            if follower is not None and (
                (follower.feature == "admin1" and (p.country_code, p.admin1) == (follower.country_code, follower.admin1))
                or (follower.feature == "country" and p.country_code == follower.country_code)
            ):
                s += w.pattern
            if p.feature == "admin1" and any((c.country_code, c.admin1) == (p.country_code, p.admin1) for c in leader):
                s += w.pattern
            country_i, state_i = own_country[i], own_state[i]
            mine = country_i is not None and country_i.country_code == p.country_code
            if named_countries[p.country_code] > mine:
                s += w.named_country
            mine = state_i is not None and (state_i.country_code, state_i.admin1) == (p.country_code, p.admin1)
            if named_states[(p.country_code, p.admin1)] > mine:
                s += w.named_state
            if p.feature_code == "PPLC":
                s += w.capital
            if p.feature == "city" and name_key(p.name) != keys[i] and name_key(fold_ascii(p.name)) != keys[i]:
                s -= w.alternate  # "Charlestown" is first the towns so named, then one it is another name of
            s += w.nearby * min(support.count(keys[i], p), w.nearby_cap)
            if p.country_code == dominant:
                s += w.dominant_country
            scored.append(s)
            if s > best_score:
                best, best_score = p, s
        total = sum(math.exp(s - best_score) for s in scored)
        out.append(PlaceMention(span.text, span.start_char, span.end_char, best, 1.0 / total))
    return out


_CELL_DEG = 1.0
_MAX_READINGS = 20


def _key_of(span: Span) -> str:
    return name_key(_clean(span.text))


class _Neighbours:
    """How many of an article's other place names have a reading near a given reading: within
    about a degree (a neighbouring grid cell) or in the same first-level region. Local news names
    nearby towns; the Paris of a story that also names Henry County and Murray is in Tennessee."""

    def __init__(self, keys: list[str], cands: list[list[Place]]) -> None:
        self.cells: dict[tuple[int, int], set[str]] = defaultdict(set)
        self.regions: dict[tuple[str | None, str], set[str]] = defaultdict(set)
        for key, options in zip(keys, cands, strict=True):
            for p in options[:_MAX_READINGS]:
                if p.feature in ("city", "admin2") and p.lat is not None:
                    self.cells[_cell(p)].add(key)
                if p.feature in ("city", "admin1", "admin2") and p.admin1:
                    self.regions[(p.country_code, p.admin1)].add(key)

    def count(self, key: str, p: Place) -> int:
        near: set[str] = set()
        if p.feature in ("city", "admin2") and p.lat is not None:
            la, lo = _cell(p)
            for dla in (-1, 0, 1):
                for dlo in (-1, 0, 1):
                    near |= self.cells.get((la + dla, lo + dlo), set())
        if p.feature in ("city", "admin1", "admin2") and p.admin1:
            near |= self.regions.get((p.country_code, p.admin1), set())
        near.discard(key)
        return len(near)


def _cell(p: Place) -> tuple[int, int]:
    if p.lat is None or p.lon is None:
        raise ValueError(f"{p.name} has no coordinates to place in a grid cell")
    return math.floor(p.lat / _CELL_DEG), math.floor(p.lon / _CELL_DEG)


def _only(options: list[Place], feature: str, unless: str) -> Place | None:
    """The place of that kind a name unambiguously means: "France" names a country, "Georgia" (a
    country and a state) names neither."""
    if not options or any(p.feature == unless for p in options):
        return None
    return next((p for p in options if p.feature == feature), None)


def _following_place(spans: list[Span], cands: list[list[Place]], i: int, doc: Doc) -> Place | None:
    """The state or country in "Alexandria, Louisiana" / "Paris, Texas" / "Maryno, in Russia's Kursk region"."""
    if i + 1 >= len(spans):
        return None
    nxt = spans[i + 1]
    between = doc[spans[i].end:nxt.start]
    if len(between) > 3 or any(t.is_sent_start for t in nxt) or not any(t.text == "," for t in between):
        return None
    options = [p for p in cands[i + 1] if p.feature in ("admin1", "country")]
    return options[0] if options else None


def _preceding_cities(spans: list[Span], cands: list[list[Place]], i: int, doc: Doc) -> list[Place]:
    """The town before a state: "Atlanta, Georgia" makes Georgia the US state."""
    if i == 0:
        return []
    prev = spans[i - 1]
    between = doc[prev.end:spans[i].start]
    if len(between) > 2 or not any(t.text == "," for t in between):
        return []
    return [p for p in cands[i - 1] if p.feature == "city"]
