"""What an event's own place says about its parties, once places are resolved.

- The target of an attack on a place or facility is the party that holds it (PLOVER's target
  convention): "Ukraine struck a command post in Maryno, in Russia's Kursk region" has the
  recipient RUS MIL; "Russian drones hit a market in Kharkiv", UKR CVL.
- A party whose own name holds a town ("the Fort Wayne Police Department") is of that town's
  country.
- A local party named with no country ("police", "a gunman", "residents") is of the country its
  event is placed in (its own clause or sentence, or the dateline or town the story is set in,
  which places an event only when no party of another country is in it); never of another
  event's place or of a party named earlier.
"""

from __future__ import annotations

from spacy.tokens import Token

from ...model import Actor, Article, Event
from ...places.geoparse import PLACE_LABELS
from ..registry import Resources, stage
from .common import listed_form

# Parties that are where they act, unknown gunmen included (the shells and missiles of a war
# between states are no party: see ActorIndex.is_agent). Armed forces, rebels, spies and
# refugees may be anyone's, so their country is never taken from where they were.
_LOCAL_SECTORS = frozenset({"COP", "CRM", "CVL", "JUD", "LEG", "EDU", "MED", "LAB", "BUS", "REL", "JRN", "AGR",
                            "SOC", "UAF"})
_OWN_PLACE = frozenset({"clause", "sentence"})
_TARGET_PREPS = frozenset({"on", "against", "at", "inside", "into"})
_TARGET_TYPES = frozenset({"ASSAULT", "COERCE"})


@stage("parties", reads=("doc", "events", "places", "events.event_loc", "events.actor", "events.recipient"),
       writes=("events.actor", "events.recipient"))
def parties(articles: list[Article], res: Resources) -> None:
    sectors = res.lexicon.target_sectors
    for article in articles:
        for ev in article.events:
            _code_from_own_name(ev, article)
            loc = ev.event_loc
            if loc is None or loc.country_code is None:
                continue
            if not ev.recipient and ev.event[0] in _TARGET_TYPES and loc.basis in _OWN_PLACE:
                target = _target(article.parsed[ev.trigger_i], sectors)
                if target is not None:
                    ev.recipient = [_holder(target, loc.country_code, sectors)]
            for party in ev.actor + ev.recipient:
                if party.code is None and party.sector in _LOCAL_SECTORS:
                    party.code = loc.country_code


def _code_from_own_name(ev: Event, article: Article) -> None:
    """ "The Fort Wayne Police Department", "Huntsville police": a town in the party's own name
    gives its country."""
    sent = article.parsed[ev.trigger_i].sent
    towns = [(m.text, m.place.country_code) for m in article.places
             if sent.start_char <= m.start < sent.end_char and m.place is not None and m.place.country_code
             and m.place.feature in ("city", "admin2", "admin1")]
    for party in ev.actor + ev.recipient:
        if party.code is None and party.text != party.name:
            party.code = next((code for name, code in towns if name in party.text), None)


def _target(trigger: Token, sectors: dict[str, str]) -> Token | None:
    """The place or facility an attack is aimed at: the verb's object ("struck a base"), or what
    the attack is on ("an attack on a market", "strikes inside Russia")."""
    verb_objects = [c for c in trigger.children if c.dep_ == "dobj"] if trigger.pos_ == "VERB" else []
    aimed = [p for c in trigger.children if c.dep_ == "prep" and c.lower_ in _TARGET_PREPS
             for p in c.children if p.dep_ == "pobj"]
    for tok in verb_objects + aimed:
        if listed_form(tok, sectors) is not None or tok.ent_type_ in PLACE_LABELS:
            return tok
    return None


def _holder(target: Token, country: str, sectors: dict[str, str]) -> Actor:
    word = listed_form(target, sectors)
    text = target.doc[target.left_edge.i:target.i + 1].text
    return Actor(text=text, code=country, sector=sectors.get(word) if word else None)

