"""ACLED event and sub-event types, from the PLOVER coding by the rules in data/acled.yaml."""

from __future__ import annotations

from ...lexicon import AcledRule
from ...model import Article, Event
from ..registry import Resources, stage
from .common import SentenceWords


def acled_for(ev: Event, rules: list[AcledRule], lemmas: set[str], text: str) -> dict[str, str] | None:
    modes = set(ev.mode)
    a_sec = {a.sector for a in ev.actor}
    r_sec = {r.sector for r in ev.recipient} or {"UNK"}
    for rule in rules:
        if rule.type != ev.event[0]:
            continue
        if rule.modes and not rule.modes & modes:
            continue
        if (rule.cue_words or rule.cue_phrases) and not (
            rule.cue_words & lemmas or any(p in text for p in rule.cue_phrases)
        ):
            continue
        if (rule.also_words or rule.also_phrases) and not (
            rule.also_words & lemmas or any(p in text for p in rule.also_phrases)
        ):
            continue
        if rule.actor_sectors and not rule.actor_sectors & a_sec:
            continue
        if rule.recipient_sectors and not rule.recipient_sectors & r_sec:
            continue
        if rule.acled is None:
            return None
        return {"event_type": rule.acled[0], "sub_event_type": rule.acled[1]}
    return None


@stage("acled", reads=("doc", "events", "events.mode", "events.actor", "events.recipient"), writes=("events.acled",))
def acled(articles: list[Article], res: Resources) -> None:
    rules = res.acled_rules
    for article in articles:
        words = SentenceWords()
        for ev in article.events:
            lemmas, text = words(article.parsed[ev.trigger_i].sent)
            ev.acled = acled_for(ev, rules, lemmas, text)
