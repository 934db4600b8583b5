"""Within-article event coreference: one event per real event of an article.

A story reports its event in the headline, the lead and again further down ("the shooting
happened at 9 p.m.", "the victim died of his wounds"); a round-up reports many events of one type.
A trained pairwise model (coding.verifier's linear model, `flashpoint/models/coref_model.npz`,
trained by `flashpoint train` on the hand labels' repeats) gives the probability that a later
event of a type reports the same event as an earlier one, from what the two share: words, names,
parties, place, date, counts, and how far apart they are. Each event joins the earlier event it
most probably repeats when that probability reaches the model's threshold.

Every sentence that reports the event is kept as one of its `sentences`; its place, date, counts and
parties are the most specific its reports give (its counts the first report's, or a later one's
where the first gives none), and `provenance` names the report each came from.
"""

from __future__ import annotations

from dataclasses import replace

from spacy.tokens import Doc, Token

from ...model import Actor, Article, Event
from ...places.distance import haversine_km
from ..registry import Resources, stage
from ..verifier import LinearModel

SAME = "SAME"
# Places further apart than this are two events (a town and its region are not).
SAME_PLACE_KM = 50.0
# How many earlier events of its type an event is compared with (round-ups list hundreds).
LOOKBACK = 30
_NAMES = frozenset({"PERSON", "GPE", "ORG", "NORP", "FAC", "LOC"})
_ANAPHORIC = frozenset({"the", "this", "that", "these", "those"})


@stage("coref", reads=("doc", "events", "events.actor", "events.recipient", "events.event_loc", "events.date",
                       "events.size"),
       writes=("events", "events.sentences", "events.provenance", "events.actor", "events.recipient",
               "events.event_loc", "events.date", "events.size", "events.mode", "events.confidence"))
def coref(articles: list[Article], res: Resources) -> None:
    for article in articles:
        article.events = merge_events(article, res.coref_model)


class Context:
    """What pair features need of an article: each event's sentence number and its names and words."""

    def __init__(self, doc: Doc) -> None:
        self.doc = doc
        self.sent_number = {s.start: i for i, s in enumerate(doc.sents)}
        self._words: dict[int, tuple[frozenset[str], frozenset[str]]] = {}

    def sentence(self, ev: Event) -> int:
        return self.sent_number[self.doc[ev.trigger_i].sent.start]

    def words(self, ev: Event) -> tuple[frozenset[str], frozenset[str]]:
        """The sentence's names (entity texts) and content lemmas."""
        sent = self.doc[ev.trigger_i].sent
        got = self._words.get(sent.start)
        if got is None:
            names = frozenset(e.text.lower() for e in sent.ents if e.label_ in _NAMES)
            lemmas = frozenset(t.lemma_.lower() for t in sent if t.is_alpha and not t.is_stop and len(t) > 2)
            got = self._words[sent.start] = (names, lemmas)
        return got


def pair_features(a: Event, b: Event, ctx: Context, between: int) -> list[str]:
    """Why `b` (later) may or may not report the same event as `a`; `between` is how many events of
    the type lie between them."""
    etype = a.event[0]
    gap = ctx.sentence(b) - ctx.sentence(a)
    gap_bin = str(gap) if gap <= 2 else "3-5" if gap <= 5 else "6-10" if gap <= 10 else "11+"
    ta, tb = ctx.doc[a.trigger_i], ctx.doc[b.trigger_i]
    names_a, words_a = ctx.words(a)
    names_b, words_b = ctx.words(b)
    shared_names = len(names_a & names_b)
    overlap = len(words_a & words_b) / max(1, min(len(words_a), len(words_b)))
    out = [f"type={etype}", f"gap={gap_bin}", f"type|gap={etype}|{gap_bin}", f"between={min(between, 3)}",
           f"lemma={'same' if ta.lemma_.lower() == tb.lemma_.lower() else 'other'}",
           "lemmas=" + "|".join(sorted((ta.lemma_.lower(), tb.lemma_.lower()))),
           f"pos={ta.pos_}>{tb.pos_}", f"b_anaphoric={_anaphoric(tb)}", f"a_lede={ctx.sentence(a) <= 1}",
           f"names={min(shared_names, 2)}", f"names_b={min(len(names_b), 2)}",
           f"overlap={min(int(overlap * 5), 4)}",
           f"actors={_party_relation(a.actor, b.actor)}", f"recipients={_party_relation(a.recipient, b.recipient)}",
           f"place={_place_relation(a, b)}", f"date={_date_relation(a, b)}"]
    for name in ("dead", "injured", "arrested"):
        va, vb = getattr(a.size, name), getattr(b.size, name)
        if va is not None and vb is not None:
            out.append(f"{name}={'same' if va == vb else 'differ'}")
    return out


def _anaphoric(tok: Token) -> bool:
    return any(c.dep_ in ("det", "poss") and (c.lower_ in _ANAPHORIC or c.dep_ == "poss") for c in tok.children)


def _party_relation(a: list[Actor], b: list[Actor]) -> str:
    if not a or not b:
        return "unknown"
    ca = {(x.code, x.sector) for x in a if x.code}
    cb = {(x.code, x.sector) for x in b if x.code}
    wa = {w for x in a for w in x.text.lower().split() if len(w) > 3}
    wb = {w for x in b for w in x.text.lower().split() if len(w) > 3}
    if wa & wb:
        return "shared_words"
    if ca and cb:
        return "same_code" if ca & cb else "codes_differ"
    return "differ"


def _place_relation(a: Event, b: Event) -> str:
    la, lb = a.event_loc, b.event_loc
    if la is None or lb is None:
        return "unknown"
    if la.resolved_place == lb.resolved_place:
        return "same"
    if la.country_code and lb.country_code and la.country_code != lb.country_code:
        return "countries_differ"
    if None in (la.lat, la.lon, lb.lat, lb.lon) or (la.resolution or 0) < 4 or (lb.resolution or 0) < 4:
        return "within"
    assert la.lat is not None and la.lon is not None and lb.lat is not None and lb.lon is not None
    return "apart" if haversine_km(la.lat, la.lon, lb.lat, lb.lon) > SAME_PLACE_KM else "near"


def _date_relation(a: Event, b: Event) -> str:
    if a.date_explicit and b.date_explicit:
        return "same" if a.date == b.date else "differ"
    return "one_explicit" if a.date_explicit or b.date_explicit else "narrative"


def candidate_pairs(events: list[Event], ctx: Context) -> list[tuple[int, int, list[str]]]:
    """(earlier, later, features) for each event and the earlier events of its type it may repeat."""
    out = []
    for j, b in enumerate(events):
        earlier = [i for i in range(j) if events[i].event[0] == b.event[0]][-LOOKBACK:]
        for k, i in enumerate(earlier):
            if may_be_one(events[i], b):
                out.append((i, j, pair_features(events[i], b, ctx, len(earlier) - k - 1)))
    return out


def may_be_one(a: Event, b: Event) -> bool:
    """Whether two events of a type could be one: not when each has its own explicit date and they
    differ ("on Wednesday" / "a day earlier"), nor at places apart, nor between parties known to
    differ ("Russia struck Kharkiv" / "Ukraine struck Belgorod"), nor two of one sentence that each
    have their own actor (the `events` stage has already merged those of one actor)."""
    if _date_relation(a, b) == "differ" or _place_relation(a, b) in ("apart", "countries_differ"):
        return False
    if a.evidence.start == b.evidence.start and a.actor and b.actor:
        return False
    return "codes_differ" not in (_party_relation(a.actor, b.actor), _party_relation(a.recipient, b.recipient))


def merge_events(article: Article, model: LinearModel) -> list[Event]:
    events = sorted(article.events, key=lambda e: (e.evidence.start, e.trigger_start))
    if len(events) < 2:
        for ev in events:
            _start_cluster(ev)
        return events
    ctx = Context(article.parsed)
    pairs = candidate_pairs(events, ctx)
    same: dict[tuple[int, int], float] = {}
    if pairs:
        probs = model.probabilities([f for _, _, f in pairs], model.no_vectors(len(pairs)))[:, model.classes.index(SAME)]
        same = {(i, j): float(p) for (i, j, _), p in zip(pairs, probs, strict=True)}
    clusters: list[Event] = []
    for ev, cluster in zip(events, link(same, len(events), model.keep_threshold), strict=True):
        _start_cluster(ev)
        if cluster < len(clusters):
            absorb(clusters[cluster], ev)
        else:
            clusters.append(ev)
    return clusters


def link(same: dict[tuple[int, int], float], n: int, threshold: float) -> list[int]:
    """Each of n events' cluster number: an event joins the cluster of the earlier event it most
    probably repeats, when that probability reaches `threshold`; else it starts a cluster."""
    best: dict[int, tuple[float, int]] = {}
    for (i, j), p in same.items():
        if p >= threshold and p > best.get(j, (0.0, -1))[0]:
            best[j] = (p, i)
    cluster_of: list[int] = []
    count = 0
    for j in range(n):
        if j in best:
            cluster_of.append(cluster_of[best[j][1]])
        else:
            cluster_of.append(count)
            count += 1
    return cluster_of


def _start_cluster(ev: Event) -> None:
    if not ev.sentences:
        ev.sentences = [ev.own_report()]
        ev.provenance = _own_provenance(ev)
        # Merging raises counts in place; a Size the numbers stage shares between events stays whole.
        ev.size = replace(ev.size)


def _own_provenance(ev: Event) -> dict[str, int]:
    start = ev.evidence.start
    out = {}
    if ev.date is not None:
        out["date"] = start
    if ev.event_loc is not None:
        out["place"] = start
    if ev.actor:
        out["actor"] = start
    if ev.recipient:
        out["recipient"] = start
    for name in ("dead", "injured", "arrested", "troops"):
        if getattr(ev.size, name) is not None:
            out[name] = start
    return out


def absorb(merged: Event, ev: Event) -> None:
    """Add `ev`'s report to `merged`, taking each field where `ev` is more specific."""
    merged.sentences.append(ev.own_report())
    start = ev.evidence.start
    if ev.date_explicit and not merged.date_explicit:
        merged.date, merged.date_explicit = ev.date, True
        merged.provenance["date"] = start
    elif merged.date is None and ev.date is not None:
        merged.date = ev.date
        merged.provenance["date"] = start
    if ev.event_loc is not None and (merged.event_loc is None or (ev.event_loc.resolution or 0) > (merged.event_loc.resolution or 0)):
        merged.event_loc = ev.event_loc
        merged.provenance["place"] = start
    for role in ("actor", "recipient"):
        have, new = getattr(merged, role), getattr(ev, role)
        if new and _specificity(new) > _specificity(have):
            setattr(merged, role, new)
            merged.provenance[role] = start
    for name in ("dead", "injured", "arrested", "troops"):
        # The first report's figure stands (the numbers stage has already moved it to a revised
        # toll the article gives); a later report fills a figure the first did not give.
        value = getattr(ev.size, name)
        if value is not None and getattr(merged.size, name) is None:
            setattr(merged.size, name, value)
            merged.provenance[name] = start
    merged.mode = list(dict.fromkeys(merged.mode + ev.mode))
    merged.confidence = max(merged.confidence, ev.confidence)


def _specificity(parties: list[Actor]) -> tuple[int, int]:
    return (sum(1 for p in parties if p.code), sum(1 for p in parties if p.sector))
