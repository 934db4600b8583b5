"""Where it is getting worse, between whom: daily series, an escalation index, alerts.

Everything is computed from the store's deduplicated events (flashpoint.store), so forty reports
of one strike count once. Units are countries (the event's place), first-level regions, and
dyads (first actor's country -> first recipient's country). docs/monitor.md defines the index.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import date as Date
from datetime import timedelta
from typing import Any

from .errors import ConfigError
from .places.countries import Countries
from .settings import DEFAULTS
from .store import Store
from .store.queries import UNITS

CONFLICT_QUADS = (3, 4)
# A week with fewer conflict events than this never alarms, however it compares.
FLOOR = DEFAULTS.monitor_floor


def _check_unit(kind: str) -> None:
    if kind not in UNITS:
        raise ConfigError(f"unknown unit {kind!r}; use one of {', '.join(UNITS)}", source="--by")


def daily_series(store: Store, kind: str = "country", *, since: Date | None = None,
                 until: Date | None = None, unit: str | None = None) -> list[dict[str, Any]]:
    """One row per day, unit, PLOVER type and quad: events, summed event_scale, dead, injured."""
    _check_unit(kind)
    return store.daily_counts(kind, since=since, until=until, unit=unit)


@dataclass(slots=True)
class Escalation:
    unit: str
    kind: str
    as_of: str
    last_week: int  # conflict events in the 7 days up to as_of
    mean_4w: float  # weekly mean over the 4 weeks before
    mean_52w: float  # weekly mean over the 52 weeks before
    change_4w: float  # (last_week - mean_4w) / max(mean_4w, 1)
    change_52w: float
    category: str  # "large increase", "moderate increase", "limited change", "large decrease"
    material_shift: float  # share of material conflict last week minus its share in the 4 weeks before
    dead: int
    injured: int
    material_share: float  # share of material conflict among last week's conflict events
    weekly: list[int]  # conflict events in each of the SPARK_WEEKS weeks up to as_of, oldest first
    reasons: list[str]  # why the unit stands where it does, in words

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def category(last: int, mean_4w: float, mean_52w: float, sd_52w: float) -> str:
    """ACLED-style trend categories (docs/monitor.md): a week is judged against the month and the
    year before it, and a handful of events never alarms."""
    if last >= FLOOR and last >= 2 * mean_4w and last > mean_52w + 2 * sd_52w:
        return "large increase"
    if last >= FLOOR and last >= 1.25 * mean_4w and last >= mean_4w + 2:
        return "moderate increase"
    if mean_4w >= FLOOR and last <= 0.5 * mean_4w:
        return "large decrease"
    return "limited change"


def reasons(last: int, m4: float, m52: float, sd52: float, share_now: float, share_before: float,
            dead: int) -> list[str]:
    """The index's figures in words, the strongest first: how the week compares with the month and
    the year before it, a shift from words to force, the dead."""
    out = []
    if last == 0:
        out.append("no conflict events in the week")
    elif m4 == 0:
        out.append(f"{last} conflict event{'s' if last > 1 else ''} in the week, none in the 4 weeks before")
    elif last >= 1.25 * m4 or last <= 0.5 * m4:
        out.append(f"{last / m4:.1f}× the 4-week mean ({m4:.2g} a week)")
    if last and m52 and last > m52 + 2 * sd52:
        out.append(f"above the year's usual range (52-week mean {m52:.2g} a week)")
    if last and share_now - share_before >= 0.25:
        out.append(f"from words to force: {share_now:.0%} of the week's conflict events are material"
                   f" ({share_before:.0%} before)")
    if dead:
        out.append(f"{dead} reported dead")
    if 0 < last < FLOOR:
        out.append(f"fewer than {FLOOR} events: never flagged")
    return out


# The weeks of conflict counts each row carries for its sparkline.
SPARK_WEEKS = 12

# The index looks at the 53 weeks up to its day: the week judged and the 52 before it. Its means
# are over the last 4 and 52 weeks, so this is the index's definition, not a setting.
WEEKS = 53
WINDOW_DAYS = WEEKS * 7

# The days the monitor can judge: each looks back over a year of counts and a week ahead.
_EARLIEST = Date.min + timedelta(days=WINDOW_DAYS + 7)
_LATEST = Date.max - timedelta(days=7)


def _in_range(day: Date, name: str) -> Date:
    if not _EARLIEST <= day <= _LATEST:
        raise ConfigError(f"{day} is outside the days the monitor can judge ({_EARLIEST} to {_LATEST})", source=name)
    return day


def escalation(store: Store, kind: str = "country", *, as_of: Date | None = None) -> list[Escalation]:
    """The index for every unit with conflict events in the 53 weeks up to `as_of` (default: the
    latest event's date), most escalating first."""
    _check_unit(kind)  # an unknown unit is an error even in an empty store
    as_of = as_of or store.latest_event_date()
    if as_of is None:
        return []
    _in_range(as_of, "as_of")
    return escalation_rows(store.conflict_counts(kind, since=as_of - timedelta(days=WINDOW_DAYS - 1), until=as_of),
                           kind, as_of)


def escalation_rows(counts: Iterable[tuple[str, Date, int, int, int, int]], kind: str, as_of: Date) -> list[Escalation]:
    """The index as of `as_of` from Store.conflict_counts rows (those outside its 53 weeks are
    passed over, so one read serves every day up to its end), most escalating first."""
    weeks: dict[str, list[int]] = defaultdict(lambda: [0] * WEEKS)
    material: dict[str, list[int]] = defaultdict(lambda: [0] * WEEKS)
    casualties: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for unit, day, quad, n, dead, injured in counts:
        days = (as_of - day).days
        if not 0 <= days < WINDOW_DAYS:
            continue
        week = days // 7
        weeks[unit][week] += n
        if quad == 4:
            material[unit][week] += n
        if week == 0:
            casualties[unit][0] += dead
            casualties[unit][1] += injured
    out = []
    for unit, w in weeks.items():
        last, month, year = w[0], w[1:5], w[1:WEEKS]
        m4, m52 = sum(month) / 4, sum(year) / 52
        sd52 = math.sqrt(sum((x - m52) ** 2 for x in year) / 52)
        share_now = material[unit][0] / last if last else 0.0
        share_before = sum(material[unit][1:5]) / sum(month) if sum(month) else 0.0
        dead, injured = casualties[unit]
        out.append(Escalation(
            unit=unit, kind=kind, as_of=as_of.isoformat(), last_week=last, mean_4w=round(m4, 2), mean_52w=round(m52, 2),
            change_4w=round((last - m4) / max(m4, 1.0), 3), change_52w=round((last - m52) / max(m52, 1.0), 3),
            category=category(last, m4, m52, sd52), material_shift=round(share_now - share_before, 3),
            dead=dead, injured=injured, material_share=round(share_now, 3), weekly=w[SPARK_WEEKS - 1::-1],
            reasons=reasons(last, m4, m52, sd52, share_now, share_before, dead)))
    order = {"large increase": 0, "moderate increase": 1, "limited change": 2, "large decrease": 3}
    return sorted(out, key=lambda e: (order[e.category], -e.change_4w, -e.last_week, e.unit))


ALERT_KINDS = ("escalation", "first_event", "new_actor")


def alerts(store: Store, *, since: Date | None = None, until: Date | None = None,
           kinds: Iterable[str] = ALERT_KINDS) -> Iterator[dict[str, Any]]:
    """Alerts of `kinds` dated from `since` (default: six days before `until`) to `until` (default:
    the latest event), oldest first: a country or dyad turning to "large increase", a first-ever
    event type from one country into another, and an actor seen for the first time. Nothing when
    `until` is not given and no event is dated."""
    unknown = set(kinds) - set(ALERT_KINDS)
    if unknown:
        raise ConfigError(f"unknown alert kind(s) {', '.join(sorted(unknown))}; use {', '.join(ALERT_KINDS)}", source="kinds")
    until = until or store.latest_event_date()
    if until is None:
        return
    _in_range(until, "until")
    since = _in_range(since, "since") if since else until - timedelta(days=6)
    yield from _alerts(store, since, until, set(kinds), {})


def _alerts(store: Store, since: Date, until: Date, kinds: set[str],
            counts: dict[str, list[tuple[str, Date, int, int, int, int]]]) -> Iterator[dict[str, Any]]:
    """alerts(), from `counts` of each kind read from at least WINDOW_DAYS before `since` (those
    missing are read)."""
    found: list[dict[str, Any]] = []
    for kind in ("country", "dyad") if "escalation" in kinds else ():
        if kind not in counts:
            counts[kind] = store.conflict_counts(kind, since=since - timedelta(days=WINDOW_DAYS), until=until)
        # Only a unit with FLOOR conflict events in a week of the window can turn to a large increase.
        near: dict[str, int] = defaultdict(int)
        for unit, day, _, n, _, _ in counts[kind]:
            if day >= since - timedelta(days=7):
                near[unit] += n
        able = {unit for unit, n in near.items() if n >= FLOOR}
        rows = [c for c in counts[kind] if c[0] in able]
        before = set(_large_increases(rows, kind, since - timedelta(days=1)))
        day = since
        while day <= until:
            now = _large_increases(rows, kind, day)
            for unit in sorted(now.keys() - before):
                found.append({"alert": "escalation", "date": day.isoformat(), "unit": unit, "kind": kind,
                              "index": now[unit].to_dict()})
            before = set(now)
            day += timedelta(days=1)
    if "first_event" in kinds:
        for type_, actor, recipient, first, event_id in store.first_dyad_events(since=since, until=until):
            found.append({"alert": "first_event", "date": first.isoformat(), "type": type_, "actor": actor,
                          "recipient": recipient, "event_id": event_id})
    if "new_actor" in kinds:
        for actor, first in store.first_actor_dates(since=since, until=until):
            found.append({"alert": "new_actor", "date": first.isoformat(), "actor": actor})
    yield from sorted(found, key=lambda a: (a["date"], a["alert"], str(a.get("unit") or a.get("actor"))))


def _large_increases(counts: list[tuple[str, Date, int, int, int, int]], kind: str, day: Date) -> dict[str, Escalation]:
    return {e.unit: e for e in escalation_rows(counts, kind, day) if e.category == "large increase"}


def format_table(rows: list[Escalation], limit: int = 30) -> str:
    head = f"{'unit':<14}{'last wk':>8}{'4-wk avg':>9}{'52-wk avg':>10}{'change':>8}  {'category':<18}{'material':>9}{'dead':>6}"
    lines = [head]
    for e in rows[:limit]:
        lines.append(f"{e.unit:<14}{e.last_week:>8}{e.mean_4w:>9.1f}{e.mean_52w:>10.1f}{e.change_4w:>+8.0%}  "
                     f"{e.category:<18}{e.material_shift:>+9.0%}{e.dead:>6}")
    return "\n".join(lines) + "\n"


# A type's first event in this many days makes a reason ("first ASSAULT since ...").
GAP_DAYS = 28


def overview(store: Store, kind: str = "country", *, as_of: Date | None = None, limit: int = 20) -> dict[str, Any]:
    """What the monitor opens on: the week judged and its baselines, the `limit` most escalating
    units with their reasons (each type of conflict event new to the unit, or back after
    GAP_DAYS, among them), and the week's escalations and first events, these with their evidence
    (new actors, the commonest alert and the dearest to find in a large store, are left to alerts())."""
    _check_unit(kind)
    day = as_of or store.latest_event_date()
    out: dict[str, Any] = {"by": kind, "as_of": day.isoformat() if day else None, "week": None, "units": 0,
                           "rows": [], "alerts": []}
    if day is None:
        return out
    _in_range(day, "as_of")
    start = day - timedelta(days=6)
    # One read of each kind's counts serves the index and the week's escalation alerts.
    counts = {k: store.conflict_counts(k, since=start - timedelta(days=WINDOW_DAYS), until=day)
              for k in dict.fromkeys((kind, "country", "dyad"))}
    rows = escalation_rows(counts[kind], kind, day)
    out["week"] = [start.isoformat(), day.isoformat()]
    out["units"] = len(rows)
    out["baseline"] = {"4w": [(start - timedelta(days=28)).isoformat(), (start - timedelta(days=1)).isoformat()],
                       "52w": [(start - timedelta(days=364)).isoformat(), (start - timedelta(days=1)).isoformat()]}
    for e in rows[:limit]:
        for type_, before in store.last_before(kind, e.unit, since=start, until=day).items():
            if before is None:
                e.reasons.append(f"first {type_} in the store")
            elif (start - Date.fromisoformat(before)).days >= GAP_DAYS:
                e.reasons.append(f"first {type_} since {before}")
        out["rows"].append(e.to_dict())
    out["alerts"] = list(_alerts(store, start, day, {"escalation", "first_event"}, counts))
    told = store.evidence(a["event_id"] for a in out["alerts"] if "event_id" in a)
    for alert in out["alerts"]:
        if alert.get("event_id") in told:
            alert["evidence"], alert["place"] = told[alert["event_id"]]
    return out


def unit_label(kind: str, unit: str, countries: Countries) -> str:
    """A unit as a reader names it: "Sudan", "North Darfur, Sudan", "Russia → Ukraine"."""
    if kind == "admin1":
        code, _, region = unit.partition("/")
        return f"{region}, {countries.name_of(code) or code}"
    if kind == "dyad":
        return " → ".join(countries.name_of(c) or c for c in unit.split(">", 1))
    return countries.name_of(unit) or unit
