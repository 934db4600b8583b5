"""Modes, contexts, quad code and PLOVER scale, once the type and the arguments are known."""

from __future__ import annotations

from ...model import Article
from ..registry import Resources, stage
from .common import SentenceWords, governing_verb

_CROWD = frozenset({"rioters", "protesters", "demonstrators", "protestors", "mob", "crowd", "crowds", "rioter",
                    "protester", "demonstrator", "activists", "supporters", "students"})


@stage("score", reads=("doc", "events", "events.actor"), writes=("events.mode", "events.context", "events.quad_code",
                                            "events.event_scale", "events.event"))
def score(articles: list[Article], res: Resources) -> None:
    modes, contexts, scale = res.modes, res.contexts, res.scale
    for article in articles:
        words = SentenceWords()
        for ev in article.events:
            sent = article.parsed[ev.trigger_i].sent
            # Modes are read from the trigger's own clause, so a second action in the sentence
            # does not lend its weapon.
            trig = article.parsed[ev.trigger_i]
            root = trig if trig.pos_ == "VERB" else governing_verb(trig)
            clause = list(root.subtree)
            if len(clause) <= 2:
                clause = list(sent)
            # The parties' own words name weapons too ("suicide bombers ... killing").
            clause += [t for h in ev.actor_heads for t in article.parsed[h].subtree]
            lemmas = {t.lemma_.lower() for t in clause} | {t.lower_ for t in clause}
            text = " ".join(t.lower_ for t in clause)
            if ev.event[0] == "ASSAULT" and any(a.sector == "CVL" and _CROWD & set(a.text.lower().split())
                                                 for a in ev.actor) and not any(
                    a.sector in ("COP", "MIL") for a in ev.actor):
                # Violence by protesters or a crowd is a riot (PLOVER PROTEST riot), not an assault.
                ev.event, ev.mode = ["PROTEST"], ["riot"]
            etype = ev.event[0]
            found = modes.match(etype, lemmas, text)
            ev.mode = list(dict.fromkeys(ev.mode + found))
            if etype == "ASSAULT" and found and ev.mode[0] not in found:
                # A weapon named in the clause is more specific than the verb's default mode.
                ev.mode = list(dict.fromkeys(found + ev.mode))
            sent_lemmas, sent_text = words(sent)
            ev.context = contexts.match("*", sent_lemmas, sent_text)
            ev.quad_code = scale.quads[etype]
            ev.event_scale = scale.scale(etype, ev.mode[0] if ev.mode else None)
