"""Toponyms in a parsed article, resolved to places with the article's own context.

Recognition: spaCy's GPE, LOC and FAC entities. Resolution scores each gazetteer candidate by
its population, its kind (a country or state name beats a town of that name), and context:
a "Town, State" or "Town, Country" pattern, the countries and states named elsewhere in the
article, and the country most of the article's unambiguous places lie in (one place per
discourse). Each mention gets the best candidate and a score in [0, 1].
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Any

from spacy.tokens import Doc, Span

from .gazetteer import Gazetteer, Place

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
    return cands


# Entities the model labels otherwise that are still places when the gazetteer knows them well:
# demonyms ("Georgian" troops) and towns the model took for a person or an organisation.
_OTHER_LABELS = frozenset({"NORP", "ORG", "PERSON"})
_WELL_KNOWN = 50_000


def _toponym_spans(doc: Doc, gaz: Gazetteer, demonyms: dict[str, str]) -> list[tuple[Span, list[Place]]]:
    out = []
    for e in doc.ents:
        if e.label_ in _OTHER_LABELS | {"PRODUCT"} and e.end < len(doc) and doc[e.end].lower_ in REGION_WORDS:
            # "Kursk region": the model may take "Kursk" for the submarine; the region word decides.
            region = doc[e.start:e.end + 1]
            out.append((region, _lookup(gaz, region)))
            continue
        if e.label_ in PLACE_LABELS:
            if e.end < len(doc) and doc[e.end].lower_ in REGION_WORDS:
                e = doc[e.start:e.end + 1]  # "Kursk" + "region"
            out.append((e, _lookup(gaz, e)))
        elif e.label_ in _OTHER_LABELS:
            code = demonyms.get(_clean(e.text))
            if code is not None and e.label_ == "NORP":
                place = gaz.country(code)
                out.append((e, [place] if place else []))
                continue
            cands = [p for p in gaz.candidates(_clean(e.text))
                     if p.feature in ("country", "admin1") or p.population >= _WELL_KNOWN]
            if cands and e.label_ != "NORP":
                out.append((e, cands))
    return out


@dataclass(frozen=True, slots=True)
class Weights:
    """Resolution score weights, fitted on the LGL and TR-News development corpora (docs/benchmarks.md)."""

    population: float = 0.5  # per factor of ten people
    country: float = 3.5
    admin1: float = 2.5
    pattern: float = 6.0  # "Town, State"
    named_country: float = 2.0
    named_state: float = 2.5
    dominant_country: float = 1.5
    local_state: float = 1.5


def geoparse(doc: Doc, gaz: Gazetteer, demonyms: dict[str, str] | None = None,
             weights: Weights = Weights()) -> list[PlaceMention]:
    found = _toponym_spans(doc, gaz, demonyms or {})
    return resolve(doc, [s for s, _ in found], [c for _, c in found], weights)


def resolve(doc: Doc, spans: list[Span], cands: list[list[Place]], w: Weights = Weights()) -> list[PlaceMention]:
    # Context from what is unambiguous: named countries and states, and single-candidate places.
    # Only unambiguous names count: "Georgia" may be the country or the state, so it names neither.
    named_countries = Counter(c[0].country_code for c in cands
                              if c and c[0].feature == "country" and not any(p.feature == "admin1" for p in c))
    named_states = Counter((c[0].country_code, c[0].admin1) for c in cands
                           if c and c[0].feature == "admin1" and not any(p.feature == "country" for p in c))
    anchors = Counter()
    for c in cands:
        if len({p.country_code for p in c}) == 1:
            anchors[c[0].country_code] += 1
    dominant = (anchors + named_countries).most_common(1)[0][0] if anchors or named_countries else None
    # The state most of the article's towns could be in ("Lexington County" next to Columbia, S.C.).
    states = Counter()
    for c in cands:
        # Each name votes once, for its likeliest reading: counting every reading would favour
        # states with many small towns named after famous places.
        top = next((p for p in c if p.feature in ("city", "admin1")), None)
        if top is not None:
            states[(top.country_code, top.admin1)] += 1
    local = states.most_common(1)[0][0] if states and states.most_common(1)[0][1] > 1 else None

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
            if p.feature == "country":
                s += w.country
            elif p.feature == "admin1":
                s += w.admin1
            if follower is not None and (
                (follower.feature == "admin1" and (p.country_code, p.admin1) == (follower.country_code, follower.admin1))
                or (follower.feature == "country" and p.country_code == follower.country_code)
            ):
                s += w.pattern
            if p.feature == "admin1" and any((c.country_code, c.admin1) == (p.country_code, p.admin1) for c in leader):
                s += w.pattern
            if p.country_code in named_countries:
                s += w.named_country
            if (p.country_code, p.admin1) in named_states:
                s += w.named_state
            if p.country_code == dominant:
                s += w.dominant_country
            if local is not None and (p.country_code, p.admin1) == local:
                s += w.local_state
            scored.append(s)
            if s > best_score:
                best, best_score = p, s
        total = sum(math.exp(s - best_score) for s in scored)
        out.append(PlaceMention(span.text, span.start_char, span.end_char, best, 1.0 / total))
    return out


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
