"""Typed views of the data files in flashpoint/data. Loaded once per Resources object."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date
from importlib import resources as importlib_resources
from pathlib import Path
from typing import Any

import yaml

from .errors import DataFileError

PLOVER_TYPES = (
    "AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT", "REQUEST",
    "ACCUSE", "REJECT", "THREATEN", "PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT",
)
VERBAL_CONTENT_TYPES = frozenset({"REQUEST", "AGREE", "THREATEN", "REJECT", "CONCEDE"})
COOPERATIVE_TYPES = frozenset({"CONSULT", "SUPPORT", "COOPERATE", "AID", "AGREE"})
MATERIAL_CONFLICT_TYPES = frozenset({"ASSAULT", "COERCE", "SANCTION", "MOBILIZE", "PROTEST"})
INTERNATIONAL_CODES = frozenset({"IGO", "UNO", "EUR", "NGO", "ISM", "IMG", "MNC"})
SECTORS = frozenset({
    "COP", "GOV", "JUD", "LEG", "MIL", "PRM", "PTY", "REB", "SPY", "UAF", "UNK", "AGR", "BUS",
    "CRM", "CVL", "EDU", "ELI", "JRN", "LAB", "MED", "REF", "OPP", "PRE", "REL", "SOC",
})


def data_path(name: str) -> Path:
    return Path(str(importlib_resources.files("flashpoint") / "data" / name))


# libyaml's parser when PyYAML was built with it: the actor lists take seconds to parse in Python.
_SafeBase = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StrictLoader(_SafeBase):  # type: ignore[misc, valid-type]
    """A YAML loader that refuses a key given twice in one mapping (PyYAML keeps the last silently)."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} appears twice in one mapping", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def load_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.load(fh, Loader=_StrictLoader)  # noqa: S506 (a SafeLoader subclass)
    except (OSError, yaml.YAMLError, ValueError) as exc:  # ValueError: a date like 2019-13-01
        raise DataFileError(f"cannot be loaded: {exc}", source=str(path)) from None


@dataclass(frozen=True, slots=True)
class Trigger:
    type: str
    mode: str | None = None
    role: str | None = None
    needs_object: bool = False
    object_in: str | None = None
    subject_in: str | None = None
    intent: bool = False
    future_only: bool = False


@dataclass(slots=True)
class EventLexicon:
    verbs: dict[str, tuple[Trigger, ...]]
    nouns: dict[str, tuple[Trigger, ...]]
    recipient_preps: dict[str, frozenset[str]]
    light_verbs: frozenset[str]
    complement_verbs: frozenset[str]
    speech_verbs: frozenset[str]
    labor_words: frozenset[str]
    weapons: frozenset[str]
    arms: frozenset[str]
    bases: frozenset[str]
    places: frozenset[str]
    relations: frozenset[str]
    demands: frozenset[str]
    intelligence: frozenset[str]
    money: frozenset[str]
    trade: frozenset[str]
    military: frozenset[str]
    security: frozenset[str]
    non_agents: frozenset[str]
    disasters: frozenset[str]
    # Facility or place word -> the sector of whoever holds it, for the targets of attacks.
    target_sectors: dict[str, str] = field(default_factory=dict)
    # Particle / multiword verb heads, so "pull" is looked at only when "pull out" exists.
    phrasal_heads: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def load(cls, path: Path | None = None) -> EventLexicon:
        path = path or data_path("events.yaml")
        raw = load_yaml(path)

        def table(section: str) -> dict[str, tuple[Trigger, ...]]:
            out: dict[str, list[Trigger]] = {}
            for etype, entries in (raw.get(section) or {}).items():
                if etype not in PLOVER_TYPES:
                    raise DataFileError(f"{section}: {etype!r} is not a PLOVER type", source=str(path))
                for lemma, opts in (entries or {}).items():
                    # One lemma may carry several triggers of a type, each with its own condition.
                    for o in opts if isinstance(opts, list) else [opts]:
                        try:
                            trigger = Trigger(type=etype, **(o or {}))
                        except TypeError as exc:
                            raise DataFileError(f"{section}: {etype} {lemma!r}: {exc}", source=str(path)) from None
                        out.setdefault(str(lemma).lower(), []).append(trigger)
            # A trigger with a condition ("seize" a town) is tried before the plain one ("seize" goods).
            return {k: tuple(sorted(v, key=lambda t: not (t.object_in or t.subject_in or t.needs_object or t.future_only)))
                    for k, v in out.items()}

        verbs = table("verbs")
        words = lambda key: frozenset(str(w).lower() for w in raw.get(key) or [])  # noqa: E731
        return cls(
            verbs=verbs,
            nouns=table("nouns"),
            recipient_preps={t: frozenset(p or []) for t, p in (raw.get("recipient_preps") or {}).items()},
            light_verbs=words("light_verbs"),
            complement_verbs=words("complement_verbs"),
            speech_verbs=words("speech_verbs"),
            labor_words=words("labor_words"),
            weapons=words("weapons"),
            arms=words("arms"),
            bases=words("bases"),
            places=words("places"),
            relations=words("relations"),
            demands=words("demands"),
            intelligence=words("intelligence"),
            money=words("money"),
            trade=words("trade"),
            military=words("military"),
            security=words("security"),
            non_agents=words("non_agents"),
            disasters=words("disasters"),
            target_sectors={str(w).lower(): sector for sector, ws in (raw.get("target_sectors") or {}).items()
                            for w in ws or []},
            phrasal_heads=frozenset(k.split()[0] for k in verbs if " " in k),
        )


@dataclass(slots=True)
class CueTable:
    """Ordered (label, single-word lemmas, multiword phrases) per key, from modes/contexts files."""

    entries: dict[str, list[tuple[str, frozenset[str], tuple[str, ...]]]]

    @staticmethod
    def split(cues: list[Any]) -> tuple[frozenset[str], tuple[str, ...]]:
        cues = [str(c).lower() for c in cues]
        return frozenset(c for c in cues if " " not in c), tuple(c for c in cues if " " in c)

    def match(self, key: str, lemmas: set[str], text: str) -> list[str]:
        found = []
        for label, single, multi in self.entries.get(key, ()):
            if single & lemmas or any(m in text for m in multi):
                found.append(label)
        return found


def load_modes(path: Path | None = None) -> CueTable:
    raw = load_yaml(path or data_path("modes.yaml"))
    return CueTable({t: [(m, *CueTable.split(c)) for m, c in modes.items()] for t, modes in raw.items()})


def load_contexts(path: Path | None = None) -> CueTable:
    raw = load_yaml(path or data_path("contexts.yaml"))
    return CueTable({"*": [(ctx, *CueTable.split(c)) for ctx, c in raw.items()]})


@dataclass(frozen=True, slots=True)
class PloverScale:
    quads: dict[str, int]
    scales: dict[str, float]
    mode_scales: dict[tuple[str, str], float]

    @classmethod
    def load(cls, path: Path | None = None) -> PloverScale:
        raw = load_yaml(path or data_path("plover.yaml"))["types"]
        return cls(
            quads={t: int(v["quad"]) for t, v in raw.items()},
            scales={t: float(v["scale"]) for t, v in raw.items()},
            mode_scales={(t, m): float(s) for t, v in raw.items() for m, s in (v.get("modes") or {}).items()},
        )

    def scale(self, etype: str, mode: str | None) -> float:
        if mode is not None and (etype, mode) in self.mode_scales:
            return self.mode_scales[(etype, mode)]
        return self.scales[etype]


@dataclass(frozen=True, slots=True)
class AcledRule:
    type: str
    acled: tuple[str, str] | None
    modes: frozenset[str] = frozenset()
    cue_words: frozenset[str] = frozenset()
    cue_phrases: tuple[str, ...] = ()
    also_words: frozenset[str] = frozenset()
    also_phrases: tuple[str, ...] = ()
    actor_sectors: frozenset[str] = frozenset()
    recipient_sectors: frozenset[str] = frozenset()


def load_acled_rules(path: Path | None = None) -> list[AcledRule]:
    path = path or data_path("acled.yaml")
    rules = []
    for i, r in enumerate(load_yaml(path)["rules"]):
        try:
            words, phrases = CueTable.split(r.get("cues") or [])
            also_words, also_phrases = CueTable.split(r.get("also") or [])
            rules.append(AcledRule(
                type=r["type"], acled=(r["acled"][0], r["acled"][1]) if r["acled"] is not None else None,
                modes=frozenset(r.get("modes") or []),
                cue_words=words, cue_phrases=phrases, also_words=also_words, also_phrases=also_phrases,
                actor_sectors=frozenset(r.get("actor_sectors") or []),
                recipient_sectors=frozenset(r.get("recipient_sectors") or []),
            ))
        except (KeyError, IndexError, TypeError) as exc:
            raise DataFileError(f"rule {i} is malformed ({exc})", source=str(path)) from None
    return rules


@dataclass(frozen=True, slots=True)
class Role:
    """A position an actor held from `start` to `end` (inclusive; None: open), PETRARCH-style:
    an article of that time codes the actor with the role's code and sector."""

    title: str
    code: str | None
    sector: str | None
    start: date | None
    end: date | None

    def holds_on(self, day: date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)


@dataclass(frozen=True, slots=True)
class ActorEntry:
    name: str
    code: str | None
    sector: str | None
    kind: str  # person, organization, country, capital, demonym
    # Dated positions; outside all of them the entry's own code and sector apply.
    roles: tuple[Role, ...] = ()

    def at(self, day: date | None) -> tuple[str | None, str | None]:
        """(code, sector) on `day`. An undated article takes the role still held (no end), as the
        list stands: the latest of them when several are."""
        if not self.roles:
            return self.code, self.sector
        if day is None:
            current = [r for r in self.roles if r.end is None]
            held = max(current, key=lambda r: r.start or date.min) if current else None
        else:
            # Of overlapping roles the one taken last is the one a report of that day means.
            on = [r for r in self.roles if r.holds_on(day)]
            held = max(on, key=lambda r: r.start or date.min) if on else None
        if held is None:
            return self.code, self.sector
        return held.code or self.code, held.sector


def _day(value: Any, where: str, key: str, path: Path) -> date | None:
    if value is None:
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise DataFileError(f"{where}: `{key}` {value!r} is not a date like 2019-05-20", source=str(path)) from None


def _roles(a: dict[str, Any], where: str, path: Path, countries: dict[str, str]) -> tuple[Role, ...]:
    raw = a.get("roles") or []
    if not isinstance(raw, list):
        raise DataFileError(f"{where}: `roles` must be a list of {{title, sector, from, to}}", source=str(path))
    out = []
    for r in raw:
        if not isinstance(r, dict) or not isinstance(r.get("title"), str):
            raise DataFileError(f"{where}: each role needs a `title`, e.g. {{title: President, sector: GOV, "
                                f"from: 2019-05-20}}", source=str(path))
        role_where = f"{where}, role {r['title']!r}"
        code, sector = r.get("code"), r.get("sector")
        _check_code(code, role_where, path, countries)
        _check_sector(sector, role_where, path)
        start, end = _day(r.get("from"), role_where, "from", path), _day(r.get("to"), role_where, "to", path)
        if start is not None and end is not None and end < start:
            raise DataFileError(f"{role_where}: ends ({end}) before it starts ({start})", source=str(path))
        out.append(Role(r["title"], code, sector, start, end))
    return tuple(out)


def _check_code(code: Any, where: str, path: Path, countries: dict[str, str]) -> None:
    if code is not None and code not in countries and code not in INTERNATIONAL_CODES:
        raise DataFileError(f"{where}: code {code!r} is neither an ISO-3 country in countries.csv "
                            f"nor one of {sorted(INTERNATIONAL_CODES)}", source=str(path))


def _check_sector(sector: Any, where: str, path: Path) -> None:
    if sector is not None and sector not in SECTORS:
        raise DataFileError(f"{where}: sector {sector!r} is not a PLOVER sector ({sorted(SECTORS)})",
                            source=str(path))


def _actor_surfaces(a: Any, i: int, path: Path, countries: dict[str, str]) -> dict[str, ActorEntry]:
    """One entry of an actor file, checked: a user's typo is named, not silently coded."""
    where = f"actor {i}"
    if not isinstance(a, dict) or not isinstance(a.get("name"), str) or not a["name"].strip():
        raise DataFileError(f"{where} needs a `name`", source=str(path))
    aliases = a.get("aliases") or []
    if not isinstance(aliases, list) or not all(isinstance(x, str) and x.strip() for x in aliases):
        raise DataFileError(f"{where} ({a['name']}): `aliases` must be a list of names, e.g. [FB, Facebook]",
                            source=str(path))
    where = f"{where} ({a['name']})"
    code, sector = a.get("code"), a.get("sector")
    _check_code(code, where, path, countries)
    _check_sector(sector, where, path)
    entry = ActorEntry(a["name"], code, sector, a.get("kind", "organization"), _roles(a, where, path, countries))
    return {name: entry for name in [a["name"], *aliases]}


def shipped_actor_files() -> list[Path]:
    """The package's actor lists: actors.yaml, then the dated lists of actor_lists/ in name order."""
    return [data_path("actors.yaml"), *sorted(data_path("actor_lists").glob("*.yaml"))]


@dataclass(slots=True)
class ActorTables:
    """Surface form -> entry, for countries (names, aliases, demonyms, capitals) and curated actors."""

    surfaces: dict[str, ActorEntry]
    sectors: dict[str, str]
    country_names: dict[str, str]
    # Nouns of people or groups whose sector the word does not say ("leader", "suspect").
    agent_words: frozenset[str] = frozenset()
    # Weapons and craft: "Israeli jets" are Israel's forces.
    military_means: frozenset[str] = frozenset()

    @classmethod
    def load(cls, countries: Path | None = None, actors: Path | None = None,
             sectors: Path | None = None, extra_actors: list[Path] | None = None) -> ActorTables:
        countries = countries or data_path("countries.csv")
        surfaces: dict[str, ActorEntry] = {}
        names: dict[str, str] = {}
        try:
            with countries.open(encoding="utf-8", newline="") as fh:
                for row in csv.DictReader(fh):
                    iso3, name = row["iso3"].strip(), row["name"].strip()
                    names[iso3] = name
                    for col, kind in (("name", "country"), ("aliases", "country"),
                                      ("demonyms", "demonym"), ("capitals", "capital")):
                        for s in (row.get(col) or "").split("|"):
                            if s.strip():
                                surfaces.setdefault(s.strip(), ActorEntry(name, iso3, None, kind))
        except (OSError, KeyError, csv.Error) as exc:
            raise DataFileError(f"cannot be read as the countries table: {exc}", source=str(countries)) from None
        # Curated actors override country surfaces: "Kremlin" is a government, not a place.
        for path in [*([actors] if actors else shipped_actor_files()), *(extra_actors or [])]:
            raw = load_yaml(path) or {}
            if not isinstance(raw, dict) or not isinstance(raw.get("actors", []), list):
                raise DataFileError("must be a mapping with a list under `actors:` (see flashpoint/data/actors.yaml)",
                                    source=str(path))
            for i, a in enumerate(raw.get("actors") or []):
                surfaces.update(_actor_surfaces(a, i, path, names))
        sec_raw = load_yaml(sectors or data_path("sectors.yaml")) or {}
        sector_words = {str(w).lower(): code for code, ws in (sec_raw.get("sectors") or {}).items() for w in ws or []}
        agents = frozenset(str(w).lower() for w in sec_raw.get("agents") or [])
        means = frozenset(str(w).lower() for w in sec_raw.get("military_means") or [])
        return cls(surfaces=surfaces, sectors=sector_words, country_names=names, agent_words=agents,
                   military_means=means)
