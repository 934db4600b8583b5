"""Event location: the place phrase attached to the trigger, resolved offline."""

from __future__ import annotations

from spacy.tokens import Token

from ..article import Article
from ..gazetteer import Gazetteer, Place
from ..model import Location
from ..pipeline import Resources, stage

_PLACE_ENTS = frozenset({"GPE", "LOC", "FAC"})
_RESOLUTION = {"country": 1, "city": 4}


def _place_text(tok: Token) -> str | None:
    if tok.ent_type_ in _PLACE_ENTS:
        start = tok.i
        while start > 0 and tok.doc[start].ent_iob_ == "I":
            start -= 1
        end = tok.i + 1
        while end < len(tok.doc) and tok.doc[end].ent_iob_ == "I":
            end += 1
        return tok.doc[start:end].text
    return None


def resolve_place(name: str, gaz: Gazetteer, context_countries: set[str]) -> Place | None:
    cands = gaz.candidates(name) or gaz.candidates(name.removeprefix("the ").removeprefix("The "))
    if not cands:
        return None
    in_context = [p for p in cands if p.country_code in context_countries]
    return (in_context or cands)[0]


@stage("places", reads=("doc", "events", "mentions"), writes=("events.event_loc",))
def places(articles: list[Article], res: Resources) -> None:
    gaz = res.gazetteer
    for article in articles:
        context = {m.entry.code for m in article.mentions.values() if m.entry.code}
        for ev in article.events:
            ev.event_loc = _locate(ev.place_heads, article, gaz, context)
            if ev.event_loc is None and res.scale.quads[ev.event[0]] in (2, 4):
                # A material event with no place phrase of its own: a place named elsewhere in its
                # sentence, but not one that names an actor ("Moscow said", "Seoul's spies").
                doc = article.doc
                taken = {t.i for h in ev.actor_heads + ev.recipient_heads for t in doc[h].subtree}
                sent = doc[ev.trigger_i].sent
                heads = [t.i for t in sent if t.ent_type_ in _PLACE_ENTS and t.ent_iob_ == "B" and t.i not in taken
                         and not _names_a_source(t)]
                ev.event_loc = _locate(heads, article, gaz, context)


def _names_a_source(tok: Token) -> bool:
    """A place that is someone's ("South Korea's intelligence service") or a source ("according
    to Kyiv") is not where the event happened."""
    ent = next((e for e in tok.doc.ents if e.start <= tok.i < e.end), None)
    root = ent.root if ent is not None else tok
    if root.dep_ in ("poss", "nsubj", "nsubjpass"):
        return True
    return any(a.lower_ == "according" or a.lemma_ in ("say", "tell", "report") and root.dep_ == "nsubj"
               for a in root.ancestors)


def _locate(heads: list[int], article: Article, gaz: Gazetteer, context: set[str]) -> Location | None:
    """The most precise place among the phrases; a named but unknown place keeps its name and
    falls back to a country named in the same phrase ("Maryno, in Russia's Kursk region")."""
    doc = article.doc
    best: tuple[int, Location] | None = None
    first_name: str | None = None
    fallback_country: str | None = None
    for i in heads:
        for tok in doc[i].subtree:
            m = article.mentions.get(tok.i)
            if m is not None and m.entry.kind in ("country", "demonym", "capital") and fallback_country is None:
                fallback_country = m.entry.code
            if tok.ent_type_ not in _PLACE_ENTS or tok.ent_iob_ != "B":
                continue
            name = _place_text(tok)
            if name is None:
                continue
            first_name = first_name or name
            place = resolve_place(name, gaz, context)
            if place is None:
                continue
            rank = _RESOLUTION[place.feature]
            loc = Location(extracted_place=name, resolved_place=place.name, geonameid=place.geonameid,
                           lat=place.lat, lon=place.lon, province=place.admin1, country_code=place.country_code,
                           resolution=rank)
            if best is None or rank > best[0]:
                best = (rank, loc)
    if best is not None and (best[0] > 1 or first_name is None or first_name == best[1].extracted_place):
        return best[1]
    if first_name is not None:
        code = (best[1].country_code if best else None) or fallback_country
        country = gaz.country(code) if code else None
        return Location(extracted_place=first_name, resolved_place=country.name if country else None,
                        country_code=code, resolution=1 if code else None)
    return None
