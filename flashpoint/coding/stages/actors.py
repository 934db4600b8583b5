"""Actors: noun phrases to ISO-3 / international code, PLOVER sector and canonical name."""

from __future__ import annotations

from datetime import date as Date
from pathlib import Path

from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Token
from spacy.util import filter_spans

from ...lexicon import ActorEntry, ActorTables
from ...model import Actor, Article, Mention
from ..registry import Resources, stage
from .common import listed_form

# Dependency labels whose subtrees are not part of the noun phrase that names an actor.
_CLAUSE_DEPS = frozenset({"relcl", "acl", "advcl", "conj", "cc", "appos", "punct", "prep", "det", "nummod", "quantmod"})
_KEEP_PREPS = frozenset({"of", "from"})
_QUANTITY_HEADS = frozenset({"score", "scores", "hundred", "hundreds", "dozen", "dozens", "thousand", "thousands",
                             "number", "group", "member", "members", "some", "many", "several", "one", "two",
                             "three", "four", "five", "all", "most", "unit", "team", "squad", "contingent", "convoy",
                             "column", "patrol", "crowd", "band", "batch"})
_FIRST_PERSON = frozenset({"we", "i", "us"})
_POSSESSIVE_PRONOUNS = frozenset({"his", "her", "its", "their"})
_SPEECH = frozenset({"say", "tell", "add", "state", "declare", "insist", "warn", "write"})
_PERSON_PRONOUNS = frozenset({"he", "she", "him", "her"})
_GROUP_PRONOUNS = frozenset({"it", "they", "them", "we"})
# Shorter names are words too often ("un", "us", "ira") to be matched in text that lost its case.
_CASELESS_MIN = 3
# "the group said": the organisation last named.
_ORG_NOUNS = frozenset({"group", "organisation", "organization", "movement", "militia", "faction", "outfit"})


class ActorIndex:
    """Finds actor and country mentions in a parse and resolves noun phrases to actors."""

    def __init__(self, tables: ActorTables, matcher: PhraseMatcher) -> None:
        self.tables = tables
        # Matches every surface form regardless of case; `_entry` then keeps the forms as written.
        self.matcher = matcher
        self.demonyms = {s: e.code for s, e in tables.surfaces.items() if e.kind == "demonym" and e.code}
        # All-caps forms back to the list's own, for headlines ("THE KREMLIN").
        self._upper = {s.upper(): s for s in tables.surfaces if len(s) > 3}
        # Lower-case forms, for text that has lost its case ("vajpayee met vhp leaders").
        self._lower = {s.lower(): s for s in sorted(tables.surfaces, key=lambda x: (x.lower(), x))
                       if len(s) >= _CASELESS_MIN}

    @classmethod
    def build(cls, nlp, extra_actors: list[Path] | None = None) -> ActorIndex:
        tables = ActorTables.load(extra_actors=extra_actors)
        # One matcher on lower-cased tokens finds every candidate, as written, in capitals or in
        # text that lost its case: a third of the patterns three matchers would need.
        matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        matcher.add("ACTOR", list(nlp.tokenizer.pipe(list(tables.surfaces))))
        return cls(tables, matcher)

    def _entry(self, text: str, caseless: bool) -> ActorEntry | None:
        """The entry of a matched span: its form as listed, in capitals ("THE KREMLIN"), or, only in
        text with no capital letter at all, in lower case; elsewhere "us" is not the US."""
        surfaces = self.tables.surfaces
        entry = surfaces.get(text) or surfaces.get(self._upper.get(text, ""))
        if entry is None and caseless:
            entry = surfaces.get(self._lower.get(text, ""))
        return entry

    def mentions(self, doc: Doc) -> dict[int, Mention]:
        caseless = not any(ch.isupper() for ch in doc.text)
        found = []
        for _, start, end in self.matcher(doc):
            span = doc[start:end]
            entry = self._entry(span.text, caseless)
            if entry is not None:
                found.append((span, entry))
        entries = {(span.start, span.end): entry for span, entry in found}
        out: dict[int, Mention] = {}
        for span in filter_spans([span for span, _ in found]):
            entry = entries[(span.start, span.end)]
            # A country name inside a longer name ("Georgia Tech", "Bank of England") is not the country.
            if entry.kind in ("country", "capital") and span[0].ent_type_ in ("ORG", "FAC", "WORK_OF_ART", "PERSON"):
                ent = next(e for e in doc.ents if e.start <= span.start < e.end)
                if len(ent) > len(span):
                    continue
            m = Mention(span.start, span.end, entry)
            for i in range(span.start, span.end):
                out[i] = m
        return out

    def sector_of(self, head: Token) -> str | None:
        form = listed_form(head, self.tables.sectors)
        return self.tables.sectors[form] if form is not None else None

    def is_actor_like(self, tok: Token, mentions: dict[int, Mention]) -> bool:
        if tok.i in mentions or tok.ent_type_ in ("PERSON", "ORG", "NORP", "GPE"):
            return True
        if tok.lower_ in _PERSON_PRONOUNS or tok.lower_ in _GROUP_PRONOUNS:
            return True
        if self.sector_of(tok):
            return True
        return any(c.i in mentions for c in tok.children if c.dep_ in ("poss", "amod", "compound"))

    def is_agent(self, head: Token, mentions: dict[int, Mention]) -> bool:
        """A person, group, organisation, state or its forces can act: a weapon, a decision or a
        plan cannot ("missiles struck", "the decision angered"), nor a phrase about a bomb."""
        if head.i not in mentions and (head.lower_ in self.tables.military_means
                                       or head.lemma_.lower() in self.tables.military_means):
            return False  # "Missiles struck Kharkiv", whatever entity the tagger saw in a capital M
        if head.i in mentions or head.ent_type_ in ("PERSON", "ORG", "NORP", "GPE"):
            return True
        if head.pos_ == "PRON" or head.like_num:
            return True  # pronouns resolve or are dropped by resolve(); "three were killed"
        if self.sector_of(head):
            return True
        return head.lemma_.lower() in self.tables.agent_words or head.lower_ in self.tables.agent_words

    def resolve(self, head: Token, mentions: dict[int, Mention], memory: dict[str, Actor],
                when: Date | None = None) -> Actor | None:
        """One actor for the noun phrase headed by `head` (conjuncts are resolved separately), coded
        as of `when` (the article's date); None when the phrase names no agent, or is a pronoun
        with nothing in the article before it to refer to."""
        if head.lemma_.lower() in _QUANTITY_HEADS:
            # "scores of Afghan soldiers": the actor is the thing counted.
            counted = [p for c in head.children if c.dep_ == "prep" and c.lower_ == "of"
                       for p in c.children if p.dep_ == "pobj"]
            if counted:
                head = counted[0]
        if not self.is_agent(head, mentions):
            return self._owner(head, mentions, memory, when)
        tokens = sorted(_np_tokens(head), key=lambda t: t.i)
        span_start, span_end = tokens[0].i, tokens[-1].i + 1
        doc = head.doc
        text = doc[span_start:span_end].text
        low = head.lower_
        if low in _FIRST_PERSON:
            # "'We call on Moscow ...,' Moldova's agriculture minister said": the speaker.
            speaker = _quote_speaker(head)
            if speaker is not None:
                referent = self.resolve(speaker, mentions, memory, when)
                return _as(text, referent) if referent is not None else None
        if low in _PERSON_PRONOUNS or low in _POSSESSIVE_PRONOUNS and head.dep_ != "poss":
            referent = memory.get("person") if low not in ("its", "their") else memory.get("group")
            return _as(text, referent) if referent is not None else None
        if low in _GROUP_PRONOUNS:
            referent = memory.get("group")
            return _as(text, referent) if referent is not None else None
        if head.pos_ == "PRON":
            return None  # "someone", "who", "which": nothing to code

        head_mention = mentions.get(head.i)
        inner = []
        seen = set()
        for t in tokens:
            m = mentions.get(t.i)
            if m is not None and m.start not in seen:
                seen.add(m.start)
                inner.append(m)
        sector = self.sector_of(head)
        code = name = None
        if head_mention is not None:
            e = head_mention.entry
            code, own_sector = e.at(when)
            name = e.name
            if e.kind in ("person", "organization"):
                sector = own_sector or sector
            elif e.kind in ("country", "capital"):
                sector = sector or "GOV"
            elif e.kind == "demonym":
                # "the Russians" as a people; "Russian" alone modifies something else.
                sector = sector or ("GOV" if head.tag_ in ("NNPS", "NNS") else None)
                name = None
        # Modifiers and possessors give the country ("North Korean troops", "Germany's chancellor").
        for m in inner:
            if m is head_mention:
                continue
            e = m.entry
            m_code, m_sector = e.at(when)
            if e.kind in ("person", "organization"):
                if code is None:
                    code = m_code
                if sector is None:
                    sector = m_sector
            elif code is None:
                code = m_code
        if sector is None:
            # A title before a name gives the sector: "prime minister atal behari vajpayee",
            # "Police Chief Harrison".
            sector = next((sec for t in tokens if t.i < head.i and t.dep_ in ("compound", "amod", "nmod")
                           and (sec := self.sector_of(t))), None)
        if head_mention is None and head.ent_type_ == "PERSON" and name is None:
            name = doc[head.left_edge.i:head.i + 1].text if head.left_edge.ent_type_ == "PERSON" else head.text
        if code is None and sector is not None:
            code = self._code_from_place(head, mentions)
        if code is None and any(c.dep_ == "poss" and c.lower_ in _POSSESSIVE_PRONOUNS for c in head.children):
            # "its minister", "his office": the group or person last named.
            prior = memory.get("group") or memory.get("person")
            if prior is not None:
                code = prior.code
        lemma = head.lemma_.lower()
        if code is None and not inner and any(c.lower_ == "the" for c in head.children):
            # "the ministry", "the group": the party of that kind the article last named.
            prior = memory.get(f"the {lemma}") or (memory.get("organization") if lemma in _ORG_NOUNS else None)
            if prior is not None:
                return _as(text, prior)
        actor = Actor(text=text, code=code, sector=sector, name=name)
        if code is not None:
            is_person = head.ent_type_ == "PERSON" or (head_mention is not None and head_mention.entry.kind == "person")
            memory["person" if is_person else "group"] = actor
            memory[f"the {lemma}"] = actor
            if head_mention is not None and head_mention.entry.kind == "organization" or head.ent_type_ == "ORG":
                memory["organization"] = actor
        return actor

    def _owner(self, head: Token, mentions: dict[int, Mention], memory: dict[str, Actor],
               when: Date | None) -> Actor | None:
        """The party whose weapon, decision or plan a non-agent phrase names ("Israeli jets",
        "Germany's decision"), or None ("missiles", "the plan")."""
        of = [p for c in head.children if c.dep_ == "prep" and c.lower_ == "of" for p in c.children if p.dep_ == "pobj"]
        owner = next((c for c in [*head.children, *of] if (c.dep_ in ("poss", "amod", "compound") or c in of)
                      and c.lower_ not in _POSSESSIVE_PRONOUNS and self.is_agent(c, mentions)), None)
        if owner is None:
            return None
        actor = self.resolve(owner, mentions, memory, when)
        if actor is None:
            return None
        text = head.doc[min(owner.i, head.i):head.i + 1].text
        lemma = head.lemma_.lower()
        if lemma in self.tables.military_means or head.lower_ in self.tables.military_means:
            return Actor(text=text, code=actor.code, sector="MIL", name=None)
        return Actor(text=text, code=actor.code, sector=actor.sector, name=actor.name)

    def _code_from_place(self, head: Token, mentions: dict[int, Mention]) -> str | None:
        """ "police in Lagos": the country of the place the actor is said to be in."""
        for prep in head.children:
            if prep.dep_ == "prep" and prep.lower_ in ("in", "from"):
                for p in prep.children:
                    if p.dep_ != "pobj":
                        continue
                    m = mentions.get(p.i)
                    if m is not None and m.entry.code and m.entry.kind in ("country", "capital"):
                        return m.entry.code
        # A town ("police in New York") is resolved with the article's other places, and gives its
        # country in the `parties` stage.
        return None


def _as(text: str, referent: Actor) -> Actor:
    """A pronoun as written, coded as the actor it refers to."""
    return Actor(text=text, code=referent.code, sector=referent.sector, name=referent.name)


def _quote_speaker(tok: Token) -> Token | None:
    for t in tok.sent:
        if t.lemma_.lower() in _SPEECH and t.pos_ == "VERB":
            for c in t.children:
                if c.dep_ == "nsubj" and c.lower_ not in _FIRST_PERSON and c.i != tok.i:
                    return c
    return None


def _np_tokens(head: Token) -> list[Token]:
    out = [head]
    for child in head.children:
        if child.dep_ in _CLAUSE_DEPS:
            if child.dep_ == "prep" and child.lower_ in _KEEP_PREPS:
                out.extend(child.subtree)
            continue
        out.extend(_np_tokens(child))
    return out


def expand_conjuncts(head: Token) -> list[Token]:
    """ "Italy, Spain and Greece" -> [Italy, Spain, Greece]."""
    return [head, *[c for c in head.conjuncts if c.i > head.i]]


@stage("actors", reads=("doc", "events", "mentions", "date"), writes=("events.actor", "events.recipient"))
def actors(articles: list[Article], res: Resources) -> None:
    index = res.actors
    for article in articles:
        doc = article.parsed
        when = article.date
        memory: dict[str, Actor] = {}
        by_sentence: dict[int, list] = {}
        for ev in article.events:
            by_sentence.setdefault(doc[ev.trigger_i].sent.start, []).append(ev)
        for sent in doc.sents:
            for ev in by_sentence.get(sent.start, ()):
                ev.actor = _resolved(index, doc, ev.actor_heads, article.mentions, memory, when)
                ev.recipient = _resolved(index, doc, ev.recipient_heads, article.mentions, memory, when)
            # Whoever a sentence is about is who its pronouns refer to next ("... flew to Amman. He held talks").
            subj = next((c for c in sent.root.children if c.dep_ in ("nsubj", "nsubjpass")), None)
            if subj is not None and subj.lower_ not in _FIRST_PERSON and index.is_actor_like(subj, article.mentions):
                index.resolve(subj, article.mentions, memory, when)


def _resolved(index: ActorIndex, doc: Doc, heads: list[int], mentions: dict[int, Mention],
              memory: dict[str, Actor], when: Date | None) -> list[Actor]:
    out = []
    for i in heads:
        actor = index.resolve(doc[i], mentions, memory, when)
        if actor is not None:
            out.append(actor)
    return out
