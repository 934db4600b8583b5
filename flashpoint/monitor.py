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
        out.append(Escalation(
            unit=unit, kind=kind, as_of=as_of.isoformat(), last_week=last, mean_4w=round(m4, 2), mean_52w=round(m52, 2),
            change_4w=round((last - m4) / max(m4, 1.0), 3), change_52w=round((last - m52) / max(m52, 1.0), 3),
            category=category(last, m4, m52, sd52), material_shift=round(share_now - share_before, 3),
            dead=casualties[unit][0], injured=casualties[unit][1]))
    order = {"large increase": 0, "moderate increase": 1, "limited change": 2, "large decrease": 3}
    return sorted(out, key=lambda e: (order[e.category], -e.change_4w, -e.last_week, e.unit))


def alerts(store: Store, *, since: Date | None = None, until: Date | None = None) -> Iterator[dict[str, Any]]:
    """Alerts dated from `since` (default: six days before `until`) to `until` (default: the latest
    event), oldest first: a country or dyad turning to "large increase", a first-ever event type
    from one country into another, and an actor seen for the first time. Nothing when `until` is
    not given and no event is dated."""
    until = until or store.latest_event_date()
    if until is None:
        return
    _in_range(until, "until")
    since = _in_range(since, "since") if since else until - timedelta(days=6)
    found: list[dict[str, Any]] = []
    for kind in ("country", "dyad"):
        # One read of the counts for the whole window; each day's index is computed from them.
        counts = store.conflict_counts(kind, since=since - timedelta(days=WINDOW_DAYS), until=until)
        before = set(_large_increases(counts, kind, since - timedelta(days=1)))
        day = since
        while day <= until:
            now = _large_increases(counts, kind, day)
            for unit in sorted(now.keys() - before):
                found.append({"alert": "escalation", "date": day.isoformat(), "unit": unit, "kind": kind,
                              "index": now[unit].to_dict()})
            before = set(now)
            day += timedelta(days=1)
    for type_, actor, recipient, first, event_id in store.first_dyad_events(since=since, until=until):
        found.append({"alert": "first_event", "date": first.isoformat(), "type": type_, "actor": actor,
                      "recipient": recipient, "event_id": event_id})
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
