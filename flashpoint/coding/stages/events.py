"""Event detection: triggers from the lexicon over the dependency parse, with their arguments.

Reads the parse; writes one Event per coded trigger with the token heads of its actor,
recipient and place phrases. Negated, hypothetical and embedded (requested, promised,
threatened) actions are not coded as events that happened; future ones become the
speaker's AGREE / CONCEDE / THREATEN as the PLOVER manual directs.
"""

from __future__ import annotations

from dataclasses import dataclass

from spacy.tokens import Span, Token

from ...lexicon import COOPERATIVE_TYPES, MATERIAL_CONFLICT_TYPES, VERBAL_CONTENT_TYPES, EventLexicon, Trigger
from ...model import Article, Event, Evidence, Mention
from ...places.geoparse import PLACE_LABELS
from ..registry import Resources, stage
from .actors import ActorIndex, expand_conjuncts
from .common import governing_verb

_FUTURE_AUX = frozenset({"will", "shall", "'ll", "would", "wo"})
_HYPOTHETICAL_AUX = frozenset({"could", "might", "may", "should", "must", "can", "ca"})
_CONDITIONAL_MARKS = frozenset({"if", "unless", "whether", "lest"})
_NEGATORS = frozenset({"not", "n't", "never", "no"})
_NO_ONE = frozenset({"nobody", "none", "no-one", "noone", "nothing"})
_PLACE_PREPS = frozenset({"in", "near", "at", "outside", "across", "along", "inside", "around", "into", "on", "over", "throughout"})
_SUBJ = ("nsubj", "csubj", "expl")
# Verbs of intention: cooperation planned is an AGREE, a retreat planned a CONCEDE (PLOVER manual).
_INTENT_VERBS = frozenset({"plan", "intend", "expect", "prepare", "aim", "hope", "agree", "decide", "want", "seek", "offer"})


@dataclass(slots=True)
class Candidate:
    tok: Token
    trig: Trigger
    noun: bool


@stage("events", reads=("doc",), writes=("events", "mentions"))
def events(articles: list[Article], res: Resources) -> None:
    lex = res.lexicon
    index = res.actors
    for article in articles:
        article.mentions = index.mentions(article.parsed)
        article.events = []
        for sent in article.parsed.sents:
            article.events.extend(code_sentence(sent, article, lex, index))


def code_sentence(sent: Span, article: Article, lex: EventLexicon, index: ActorIndex) -> list[Event]:
    cands = [c for tok in sent if (c := _candidate(tok, lex, article.mentions)) is not None]
    if not cands:
        return []
    trigger_ids = {c.tok.i: c for c in cands}
    out: list[Event] = []
    for c in cands:
        ev = _code_candidate(c, sent, article, lex, index, trigger_ids)
        if ev is not None:
            out.append(ev)
    return _merge_same_sentence(out)


def _candidate(tok: Token, lex: EventLexicon, mentions: dict[int, Mention]) -> Candidate | None:
    lemma = tok.lemma_.lower()
    if tok.pos_ == "VERB" or (tok.pos_ == "AUX" and tok.dep_ == "ROOT"):
        if tok.dep_ == "amod":
            return None
        for key in _verb_keys(tok, lex):
            for trig in lex.verbs.get(key, ()):
                if trig.needs_object and not any(c.dep_ in ("dobj", "dative") for c in tok.children):
                    continue
                if trig.object_in and not _object_in(tok, getattr(lex, trig.object_in)):
                    continue
                if trig.subject_in and not _subject_in(tok, getattr(lex, trig.subject_in)):
                    continue
                return Candidate(tok, trig, False)
        if not (tok.tag_ == "VBG" and tok.dep_ in ("pobj", "dobj", "nsubj", "nsubjpass", "acl", "pcomp")):
            return None
    if (tok.pos_ in ("NOUN", "PROPN") or tok.tag_ == "VBG") and tok.i not in mentions:
        if tok.dep_ == "compound" or tok.ent_type_ in ("ORG", "WORK_OF_ART", "LAW", "EVENT", "PERSON", "DATE", "TIME"):
            return None
        for key in _noun_keys(tok):
            trigs = lex.nouns.get(key)
            if trigs:
                trig = trigs[0]
                if key in ("strike", "strikes") and _has_labor(tok, lex):
                    trig = Trigger(type="PROTEST", mode="strike")
                return Candidate(tok, trig, True)
        if lemma == "strike" and _has_labor(tok, lex):
            return Candidate(tok, Trigger(type="PROTEST", mode="strike"), True)
    return None


def _verb_keys(tok: Token, lex: EventLexicon) -> list[str]:
    lemma = tok.lemma_.lower()
    keys = []
    if lemma in lex.phrasal_heads:
        for c in tok.children:
            if c.dep_ in ("prt", "prep", "dobj", "advmod"):
                keys.append(f"{lemma} {c.lower_}")
                keys.append(f"{lemma} {c.lemma_.lower()}")
                if c.dep_ == "prep":
                    for p in c.children:
                        if p.dep_ == "pobj":
                            keys.append(f"{lemma} {c.lower_} {p.lower_}")
                            keys.append(f"{lemma} {c.lower_} the {p.lower_}")
                if c.dep_ == "dobj":
                    for p in c.children:
                        if p.dep_ == "prep":
                            keys.append(f"{lemma} {c.lower_} {p.lower_}")
    keys.append(lemma)
    return keys


def _noun_keys(tok: Token) -> list[str]:
    lemma = tok.lemma_.lower()
    keys = []
    for left in tok.lefts:
        if left.dep_ in ("compound", "amod") and left.i == tok.i - 1:
            keys.append(f"{left.lower_} {lemma}")
            keys.append(f"{left.lower_} {tok.lower_}")
    for c in tok.children:
        if c.dep_ == "prep" and c.lower_ == "of":
            for p in c.children:
                if p.dep_ == "pobj":
                    keys.append(f"{lemma} of {p.lower_}")
    keys.append(tok.lower_)
    keys.append(lemma)
    return keys


def _forms(tok: Token) -> set[str]:
    """The lemma and crude stems of a verb: the small model lemmatizes some verbs wrongly ("staged" -> "stag")."""
    low = tok.lower_
    out = {tok.lemma_.lower(), low}
    for suffix in ("ing", "ed", "es", "d", "s"):
        if low.endswith(suffix) and len(low) > len(suffix) + 2:
            out.add(low[: -len(suffix)])
    return out


def _object_in(tok: Token, words: frozenset[str]) -> bool:
    """Whether the verb's object (or passive subject) is one of `words`: "fired missiles",
    "launched dozens of drones", "an aircraft carrier group was sent"."""
    for c in tok.children:
        if c.dep_ not in ("dobj", "nsubjpass", "pobj", "dative") and not (c.dep_ == "prep" and c.lower_ == "into"):
            continue
        heads = [c, *[g for g in c.children if g.dep_ in ("compound", "amod")]]
        heads += [p for g in c.children if g.dep_ == "prep" and g.lower_ == "of" for p in g.children if p.dep_ == "pobj"]
        if any(h.lemma_.lower() in words or h.lower_ in words for h in heads):
            return True
    return False


def _subject_in(tok: Token, words: frozenset[str]) -> bool:
    """Whether the doer is one of `words`: "police fired", "caught by the police"."""
    subj, passive = _subject(tok)
    doers = [p for a in tok.children if a.dep_ == "agent" for p in a.children if p.dep_ == "pobj"]
    if subj is not None and not passive:
        doers.append(subj)
    return any(d.lemma_.lower() in words or d.lower_ in words for d in doers)


def _has_labor(tok: Token, lex: EventLexicon) -> bool:
    sent = tok.sent
    return any(t.lemma_.lower() in lex.labor_words for t in sent) or any(
        t.lower_ == "on" and t.head.lemma_ == "go" for t in tok.ancestors
    )


def _modality(v: Token) -> str:
    """'negated', 'hypothetical', 'future' or 'actual' for the clause headed by verb v."""
    aux = {c.lower_ for c in v.children if c.dep_ in ("aux", "auxpass")}
    if any(c.dep_ == "neg" or (c.lower_ in _NEGATORS and c.dep_ in ("advmod", "det")) for c in v.children):
        return "negated"
    t = v
    for _ in range(8):
        if any(c.dep_ == "mark" and c.lower_ in _CONDITIONAL_MARKS for c in t.children):
            return "hypothetical"
        if t.dep_ in ("ROOT",) or t.head.i == t.i:
            break
        if t.dep_ not in ("conj", "xcomp", "advcl", "ccomp"):
            break
        t = t.head
    if aux & _HYPOTHETICAL_AUX:
        return "hypothetical"
    if aux & _FUTURE_AUX or any(c.lower_ == "going" for c in v.children if c.dep_ == "aux"):
        return "future"
    if v.tag_ == "VBG" and any(c.lower_ == "going" for c in v.children):
        return "future"
    return "actual"


def _nobody(subj: Token | None) -> bool:
    return subj is not None and (subj.lower_ in _NO_ONE or any(c.dep_ == "det" and c.lower_ == "no" for c in subj.children))


def _embedding(tok: Token, lex: EventLexicon, triggers: dict[int, Candidate]) -> tuple[str | None, Token | None]:
    """Why a trigger is not an event in its own right, and the speech verb governing it.

    Returns ('content', None) when it is the content of a request/promise/threat/refusal or of a
    complement verb ("refused to send", "plans to attack"); ('intent', None) under a verb of
    intention ("plan to meet", which PLOVER codes as AGREE); (None, speech_verb) when reported by a
    speech verb; (None, None) otherwise.
    """
    t = tok
    for _ in range(10):
        if t.head.i == t.i:
            break
        parent = t.head
        if t.i != tok.i and t.pos_ in ("NOUN", "PROPN") and t.dep_ in ("pobj", "dobj"):
            # An event named inside another noun's phrase ("demanded a probe into the police
            # firing") is presupposed to have happened, whatever governs that noun.
            return None, None
        pc = triggers.get(parent.i)
        if t.dep_ in ("nsubj", "nsubjpass") and parent.pos_ in ("VERB", "AUX"):
            return None, None
        if t.dep_ == "relcl":
            # A relative clause reports what a participant did: an event in its own right.
            return None, None
        if pc is not None and pc.trig.type in VERBAL_CONTENT_TYPES | {"ACCUSE"} and (
            pc.trig.type in VERBAL_CONTENT_TYPES or t.dep_ in ("prep", "pcomp", "pobj", "ccomp", "xcomp")
        ):
            if not (pc.trig.type == "ACCUSE" and t.dep_ == "dobj"):
                return "content", None
        if t.dep_ in ("xcomp", "ccomp") and parent.lemma_.lower() in lex.complement_verbs and pc is None:
            return ("intent" if parent.lemma_.lower() in _INTENT_VERBS else "content"), None
        if t.dep_ in ("ccomp", "parataxis") and parent.lemma_.lower() in lex.speech_verbs:
            return None, parent
        if t.dep_ not in ("xcomp", "ccomp", "conj", "dobj", "pobj", "prep", "pcomp", "advcl", "acl", "relcl", "compound", "appos", "nmod", "amod", "poss"):
            break
        t = parent
    return None, None


def _subject(v: Token) -> tuple[Token | None, bool]:
    """The subject head of verb v and whether v is passive; follows conj/xcomp/relcl/acl up."""
    passive = any(c.dep_ == "auxpass" for c in v.children)
    for c in v.children:
        if c.dep_ in ("nsubjpass", *_SUBJ) and c.lower_ not in ("there",):
            if c.tag_ in ("WP", "WDT") and v.dep_ == "relcl":
                return v.head, c.dep_ == "nsubjpass"
            return c, c.dep_ == "nsubjpass" or passive
    if v.dep_ in ("relcl",):
        return v.head, passive
    if v.dep_ == "acl":
        return v.head, v.tag_ == "VBN"
    if v.dep_ in ("conj", "xcomp", "advcl") and v.head.i != v.i:
        head_subj, head_passive = _subject(v.head)
        if v.dep_ == "advcl" and v.tag_ == "VBN":
            return None, False
        return head_subj, passive if v.dep_ == "xcomp" else (passive or (head_passive and v.dep_ == "conj" and v.tag_ == "VBN"))
    return None, passive


def _children(tok: Token, deps: tuple[str, ...]) -> list[Token]:
    return [c for c in tok.children if c.dep_ in deps]


def _pobjs(tok: Token, preps: frozenset[str]) -> list[Token]:
    out: list[Token] = []
    for c in tok.children:
        if c.dep_ in ("prep", "agent", "dative") and c.lower_ in preps:
            out.extend(p for p in c.children if p.dep_ == "pobj")
    return out


def _places(tok: Token) -> list[Token]:
    """Heads of place phrases attached to the trigger: "in the village of Maryno, in Kursk"."""
    out = []
    stack = [tok]
    while stack:
        t = stack.pop()
        for c in t.children:
            if c.dep_ in ("prep",) and c.lower_ in _PLACE_PREPS:
                for p in c.children:
                    if p.dep_ == "pobj":
                        out.append(p)
                        stack.append(p)
            elif c.dep_ in ("appos", "npadvmod") and c.ent_type_ in PLACE_LABELS:
                out.append(c)
            elif c.dep_ == "dobj" and t.i == tok.i:
                stack.append(c)
    return out


def _code_candidate(c: Candidate, sent: Span, article: Article, lex: EventLexicon, index: ActorIndex,
                    triggers: dict[int, Candidate]) -> Event | None:
    tok, trig = c.tok, c.trig
    mentions = article.mentions
    verb = tok if not c.noun else governing_verb(tok)
    why, speech = _embedding(tok, lex, triggers)
    if why == "content" or why == "intent" and trig.type not in COOPERATIVE_TYPES | {"RETREAT"}:
        return None
    modality = _modality(verb)
    if c.noun and any(ch.lower_ == "no" for ch in tok.children):
        modality = "negated"
    if not c.noun and _nobody(_subject(tok)[0]):
        modality = "negated"  # "no one was killed", "nobody was arrested"
    if c.noun and verb.lemma_.lower() in lex.complement_verbs and verb.i not in triggers:
        modality = "hypothetical"
    if modality in ("negated", "hypothetical"):
        return None
    etype = trig.type
    if trig.future_only and modality != "future":
        return None
    actor_heads: list[Token] = []
    recipient_heads: list[Token] = []

    if not c.noun:
        subj, passive = _subject(tok)
        if subj is not None and subj.tag_ == "CD" and tok.tag_ == "VBN":
            passive = True  # "three were killed and five wounded": the counted are victims
        agents = [p for a in _children(tok, ("agent",)) for p in a.children if p.dep_ == "pobj"]
        dobj = _children(tok, ("dobj", "dative"))
        if passive:
            if trig.role == "passive_actor":
                actor_heads = agents or ([subj] if subj is not None else [])
            else:
                actor_heads = agents
                if subj is not None:
                    recipient_heads = [subj]
        else:
            if subj is not None:
                actor_heads = [subj]
            if etype != "MOBILIZE":
                recipient_heads = [d for d in dobj if index.is_actor_like(d, mentions)]
        if not recipient_heads:
            recipient_heads = [
                p for p in _pobjs(tok, lex.recipient_preps.get(etype, frozenset())) if index.is_actor_like(p, mentions)]
        if etype == "MOBILIZE" and not actor_heads and dobj:
            actor_heads = dobj[:1]
    else:
        poss = _children(tok, ("poss",))
        mods = [m for m in tok.children if (m.dep_ in ("amod", "compound", "nmod") or m.dep_ == "nsubj" and tok.tag_ == "VBG")
                and (m.i in mentions or index.sector_of(m))]
        by = _pobjs(tok, frozenset({"by", "from"}))
        of = _pobjs(tok, frozenset({"of"}))
        actor_heads = poss or mods or by
        if not actor_heads and tok.dep_ == "acl" and tok.tag_ == "VBG" and index.is_actor_like(tok.head, mentions):
            # "injured in police firing", parsed as "police" modified by "firing".
            actor_heads = [tok.head]
        if etype == "MOBILIZE" and not actor_heads:
            actor_heads = of[:1]
        elif not actor_heads:
            actor_heads = _pobjs(tok, frozenset({"between", "among"}))
        light = tok.head
        if tok.dep_ in ("pobj", "pcomp") and tok.head.dep_ == "prep" and tok.head.lower_ == "to":
            light = tok.head.head  # "resorted to firing"
        if not actor_heads and (tok.dep_ in ("dobj", "attr") or light is not tok.head) and _forms(light) & lex.light_verbs:
            subj, passive = _subject(light)
            if subj is not None and not passive:
                actor_heads = [subj]
        recipient_heads = [p for p in _pobjs(tok, lex.recipient_preps.get(etype, frozenset()) | frozenset({"against"}))
                           if index.is_actor_like(p, mentions)]
        if not recipient_heads and etype in ("ASSAULT", "COERCE", "SANCTION") and of:
            recipient_heads = of[:1]
        if tok.dep_ == "nsubj" and tok.head.pos_ == "VERB":
            recipient_heads = recipient_heads or [d for d in _children(tok.head, ("dobj",)) if index.is_actor_like(d, mentions)]
        if (not actor_heads and etype == "PROTEST" and tok.dep_ == "pobj" and tok.head.lower_ in ("in", "during", "at")
                and tok.head.head.pos_ == "VERB"):
            # "20,000 people gathered in a peaceful protest": the verb's subject took part.
            subj, passive = _subject(tok.head.head)
            if subj is not None and not passive and index.is_actor_like(subj, mentions):
                actor_heads = [subj]
        if not actor_heads and not recipient_heads:
            # An event noun with no party ("protests erupted in Tripoli", "432 arrests were made") is
            # kept only with a place or a count.
            made = tok.dep_ in ("dobj", "nsubjpass") and bool(_forms(tok.head) & lex.light_verbs)
            if etype not in ("PROTEST", "ASSAULT", "COERCE") or not (made or any(
                    t.ent_type_ in PLACE_LABELS or t.like_num for t in sent)):
                return None

    if any(t.lemma_.lower() in lex.non_agents for t in actor_heads):
        # "An earthquake killed 40 people": a disaster or accident, not a political event.
        return None
    if not c.noun and not actor_heads and not recipient_heads and _subject(tok)[0] is None:
        return None
    if not actor_heads and etype == "ASSAULT" and any(t.lemma_.lower() in lex.disasters for t in sent):
        # "Five people were killed after a volcano erupted": no perpetrator, and a disaster named.
        return None

    # Future, intended and reported-future actions become the speaker's commitment or threat.
    if why == "intent":
        modality = "future"
    if modality == "future":
        if etype in COOPERATIVE_TYPES:
            etype = "AGREE"
        elif etype == "RETREAT":
            etype = "CONCEDE"
        elif etype in MATERIAL_CONFLICT_TYPES or trig.future_only:
            etype = "THREATEN"
        if speech is not None:
            speaker, _ = _subject(speech)
            if speaker is not None:
                actor_heads = [speaker]

    modes = [trig.mode] if trig.mode and etype == trig.type else []
    if trig.intent:
        etype, modes = _intent_type(tok, triggers)

    place_heads = _places(tok) + (_places(verb) if c.noun and verb.i != tok.i else [])
    # "Police in Moscow arrested ...": where the actor is said to be.
    place_heads += [p for a in actor_heads for prep in a.children if prep.dep_ == "prep" and prep.lower_ == "in"
                    for p in prep.children if p.dep_ == "pobj"]
    sent_text = article.text[sent.start_char:sent.end_char]
    ev = Event(
        article_id=article.id,
        event=[etype],
        mode=modes,
        evidence=Evidence(text=sent_text.strip(), start=sent.start_char + _lstrip_len(sent_text),
                          end=sent.start_char + len(sent_text.rstrip())),
        trigger=tok.text,
        trigger_start=tok.idx,
        trigger_i=tok.i,
        actor_heads=[h.i for a in actor_heads for h in expand_conjuncts(a)],
        recipient_heads=[h.i for r in recipient_heads for h in expand_conjuncts(r)],
        place_heads=[p.i for p in place_heads],
    )
    return ev


def _intent_type(tok: Token, triggers: dict[int, Candidate]) -> tuple[str, list[str]]:
    """ "vowed to retaliate" is a threat; "pledged to send aid" is an agreement."""
    for d in tok.subtree:
        if d.i == tok.i:
            continue
        c = triggers.get(d.i)
        if c is not None:
            if c.trig.type in MATERIAL_CONFLICT_TYPES or c.trig.type == "THREATEN" or c.trig.future_only:
                return "THREATEN", []
            return "AGREE", []
    return "AGREE", []


def _lstrip_len(s: str) -> int:
    return len(s) - len(s.lstrip())


def _merge_same_sentence(events: list[Event]) -> list[Event]:
    """One event per type and actor in a sentence: "pounded the village, killing 6" is one ASSAULT."""
    out: list[Event] = []
    for ev in events:
        twin = next((o for o in out if o.event == ev.event and (
            not o.actor_heads or not ev.actor_heads or set(o.actor_heads) & set(ev.actor_heads))), None)
        if twin is None:
            out.append(ev)
            continue
        twin.actor_heads = twin.actor_heads or ev.actor_heads
        twin.recipient_heads = twin.recipient_heads or ev.recipient_heads
        twin.place_heads = list(dict.fromkeys(twin.place_heads + ev.place_heads))
        twin.mode = list(dict.fromkeys(twin.mode + ev.mode))
    return out
