"""The trained event model decides each candidate: its PLOVER type, or no event at all.

Reads the rules' candidates with their parties, place, date and counts; drops those the model
finds are no event (a word in another sense, no political event, not a fact: negated,
hypothetical, generic), moves the others to the model's type, and sets `confidence` to the
model's calibrated probability that the row is a real event of that type.
"""

from __future__ import annotations

import numpy as np

from ...model import Article, Event
from ..registry import Resources, stage
from ..verifier import candidate_features, candidate_vector, decide


@stage("verify", reads=("doc", "events", "events.actor", "events.recipient", "events.event_loc", "events.date",
                        "events.size"),
       writes=("events", "events.event", "events.mode", "events.confidence"))
def verify(articles: list[Article], res: Resources) -> None:
    model = res.event_model
    cands: list[Event] = []
    features: list[list[str]] = []
    vectors: list[np.ndarray] = []
    for article in articles:
        if not article.events:
            continue
        doc = article.parsed
        sent_index = {s.start: i for i, s in enumerate(doc.sents)}
        for ev in article.events:
            cands.append(ev)
            features.append(candidate_features(ev, doc, sent_index[doc[ev.trigger_i].sent.start]))
            vectors.append(candidate_vector(ev, doc))
    if not cands:
        return
    keep = set()
    for ev, (etype, confidence, _) in zip(cands, decide(model, features, np.stack(vectors), [e.event[0] for e in cands]),
                                           strict=True):
        if etype is None:
            continue
        keep.add(id(ev))
        if etype != ev.event[0]:
            # The trigger's mode belongs to the rules' type; `score` finds the new type's.
            ev.event, ev.mode = [etype], []
        ev.confidence = confidence
    for article in articles:
        article.events = [ev for ev in article.events if id(ev) in keep]
