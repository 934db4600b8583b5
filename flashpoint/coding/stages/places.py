"""Event location: the article's toponyms are resolved once (flashpoint.places.geoparse); each event
takes the most precise one in the place phrases attached to its trigger."""

from __future__ import annotations

from collections import Counter

from spacy.tokens import Doc, Span, Token

from ...model import Article, Location
from ...places.gazetteer import Gazetteer
from ...places.geoparse import PLACE_LABELS, PlaceMention, geoparse
from ..registry import Resources, stage
from .common import LEDE_CHARS


@stage("places", reads=("doc", "events", "mentions"), writes=("events.event_loc", "places"))
def places(articles: list[Article], res: Resources) -> None:
    gaz = res.gazetteer
    demonyms = res.actors.demonyms
    for article in articles:
        article.places = geoparse(article.parsed, gaz, demonyms)
        by_start = {m.start: m for m in article.places}
        dateline = _dateline(article)
        home = dateline or _article_place(article)
        ent_of = {i: e for e in article.parsed.ents for i in range(e.start, e.end)}
        # Each place mention's first token, for the events that borrow a place from their sentence.
        first_token = {(m.start, m.end): _first_token(article.parsed, m) for m in article.places}
        for ev in article.events:
            material = res.scale.quads[ev.event[0]] in (2, 4)
            doc = article.parsed
            # "A roadside bomb at a market in Diwaniyah killed seven": a subject that is no agent
            # says where.
            own = ev.place_heads + [t.i for h in ev.actor_heads if not res.actors.is_agent(doc[h], article.mentions)
                                    for t in doc[h].subtree if t.ent_type_ in PLACE_LABELS]
            # "shelled Kharkiv": a material event's object that is a place is where it happened.
            own += [c.i for c in doc[ev.trigger_i].children if material and c.dep_ == "dobj" and c.ent_type_ in PLACE_LABELS]
            ev.event_loc = _with(_locate(own, article, gaz, by_start), "clause")
            if ev.event_loc is None and material:
                # A material event with no place phrase of its own: a place named elsewhere in its
                # sentence, but not one that names an actor ("Moscow said", "Seoul's spies").
                # The target's own phrase may say where ("a Kursk command post", "struck Kyiv"); the actor's does not.
                taken = {t.i for h in ev.actor_heads for t in doc[h].subtree}
                sent = doc[ev.trigger_i].sent
                # A demonym says whose, not where: "British missiles".
                heads = [t.i for m in article.places if sent.start_char <= m.start < sent.end_char
                         and (dateline is None or m.start != dateline.start)  # the dateline has a rule of its own
                         for t in [first_token[(m.start, m.end)]]
                         if t.i not in taken and t.ent_type_ != "NORP" and not _names_a_source(t, ent_of)]
                ev.event_loc = _with(_locate(heads, article, gaz, by_start), "sentence")
            if ev.event_loc is None and home is not None and _home_fits(ev, home, gaz):
                # Still nothing: the dateline's place (where a statement was made, too), or the town
                # the story keeps naming; the row says so, and is no more precise than "near that town".
                ev.event_loc = _with(_location(home, gaz), "dateline" if home is dateline else "setting")


def _with(loc: Location | None, basis: str) -> Location | None:
    """The location with where it came from and ACLED's precision for it."""
    if loc is None:
        return None
    loc.basis = basis
    res = loc.resolution or 0
    loc.precision = 1 if res >= 4 else 2 if res == 3 else 3 if loc.country_code else None
    if basis in ("dateline", "setting") and loc.precision == 1:
        loc.precision = 2
    return loc


def _first_token(doc: Doc, m: PlaceMention) -> Token:
    span = doc.char_span(m.start, m.end, alignment_mode="expand")
    if span is None:
        raise ValueError(f"place mention {m.text!r} at {m.start}-{m.end} does not align with the parse")
    return span[0]


def _dateline(article: Article) -> PlaceMention | None:
    """The place of the story's dateline: "SEATTLE -", "FRANKLIN (Feb. 4) -"."""
    first = next((m for m in article.places if m.start < 80 and m.place is not None and m.place.lat is not None
                  and m.place.feature == "city"), None)
    if first is not None and any(ch in article.text[first.end:first.end + 25] for ch in "-–—(:"):
        return first
    return None


def _article_place(article: Article) -> PlaceMention | None:
    """Where the story is set: the town it names most, at least twice and more often than any
    other, else the first town or county its lede names."""
    resolved = [(m, m.place) for m in article.places if m.place is not None and m.place.lat is not None]
    counts = Counter((p.geonameid, p.name) for _, p in resolved if p.feature == "city")
    ranked = counts.most_common(2)
    if ranked and ranked[0][1] >= 2 and (len(ranked) == 1 or ranked[0][1] > ranked[1][1]):
        gid = ranked[0][0][0]
        return next(m for m, p in resolved if p.geonameid == gid)
    # Local news says where it happened up front.
    return next((m for m, p in resolved if m.start < LEDE_CHARS and p.feature in ("city", "admin2")), None)


def _home_fits(ev, home: PlaceMention, gaz: Gazetteer) -> bool:
    """The dateline is where the reporter is, not where everything happened: a Kyiv dateline does
    not place North Korea's troops. It places an event only when no party to it is of another country."""
    codes = {a.code for a in ev.actor + ev.recipient if a.code and gaz.country(a.code) is not None}
    return not codes or (home.place is not None and home.place.country_code in codes)


def _location(pm: PlaceMention, gaz: Gazetteer) -> Location:
    """The event location a resolved place mention gives."""
    p = pm.place
    if p is None:
        raise ValueError(f"place mention {pm.text!r} is not resolved; only resolved mentions locate events")
    province = p.name if p.feature == "admin1" else gaz.admin1_name(p.country_code, p.admin1)
    return Location(extracted_place=pm.text, resolved_place=p.name, geonameid=p.geonameid, lat=p.lat, lon=p.lon,
                    province=province, country_code=p.country_code, resolution=p.resolution)


def _names_a_source(tok: Token, ent_of: dict[int, Span]) -> bool:
    """A place that is someone's ("South Korea's intelligence service") or a source ("according
    to Kyiv") is not where the event happened."""
    ent = ent_of.get(tok.i)
    root = ent.root if ent is not None else tok
    if root.dep_ in ("poss", "nsubj", "nsubjpass"):
        return True
    return any(a.lower_ == "according" or a.lemma_ in ("say", "tell", "report") and root.dep_ == "nsubj"
               for a in root.ancestors)


def _locate(heads: list[int], article: Article, gaz: Gazetteer, by_start: dict[int, PlaceMention]) -> Location | None:
    """The most precise resolved place among the phrases; a named place the gazetteer lacks keeps
    its name and falls back to a country named in the same phrase ("Maryno, in Russia's Kursk region")."""
    doc = article.parsed
    best: tuple[int, Location] | None = None
    first_name: str | None = None
    unknown: str | None = None
    fallback_country: str | None = None
    for i in heads:
        for tok in doc[i].subtree:
            m = article.mentions.get(tok.i)
            if m is not None and m.entry.kind in ("country", "demonym", "capital") and fallback_country is None:
                fallback_country = m.entry.code
            pm = by_start.get(tok.idx)
            if pm is None:
                continue
            first_name = first_name or pm.text
            place = pm.place
            if place is None:
                unknown = unknown or pm.text  # a village the gazetteer lacks: the most specific name
                continue
            if place.feature == "continent":
                continue  # "in Europe" says too little to map an event
            rank = place.resolution
            loc = _location(pm, gaz)
            if best is None or rank > best[0]:
                best = (rank, loc)
    if best is not None and unknown is not None and best[0] < 4:
        # "the village of Maryno, in Russia's Kursk region": Maryno, placed at its region.
        b = best[1]
        return Location(extracted_place=unknown, resolved_place=b.resolved_place, geonameid=b.geonameid,
                        lat=b.lat, lon=b.lon, province=b.province, country_code=b.country_code,
                        resolution=b.resolution)
    if best is not None:
        return best[1]
    if first_name is not None:
        country = gaz.country(fallback_country) if fallback_country else None
        return Location(extracted_place=first_name, resolved_place=country.name if country else None,
                        lat=country.lat if country else None, lon=country.lon if country else None,
                        country_code=fallback_country, resolution=1 if fallback_country else None)
    return None
