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
from .store import Store, date_range

UNITS = {
    "country": ("country", "country IS NOT NULL"),
    "admin1": ("country || '/' || admin1", "country IS NOT NULL AND admin1 IS NOT NULL"),
    "dyad": ("actor_code || '>' || recipient_code",
             "length(actor_code) = 3 AND length(recipient_code) = 3 AND actor_code GLOB '[A-Z][A-Z][A-Z]'"
             " AND recipient_code GLOB '[A-Z][A-Z][A-Z]'"),
}
CONFLICT_QUADS = (3, 4)
# A week with fewer conflict events than this never alarms, however it compares.
FLOOR = DEFAULTS.monitor_floor


def _unit(kind: str) -> tuple[str, str]:
    if kind not in UNITS:
        raise ConfigError(f"unknown unit {kind!r}; use one of {', '.join(UNITS)}", source="--by")
    return UNITS[kind]


def latest_date(store: Store) -> Date | None:
    row = store.conn.execute("SELECT MAX(date) FROM events").fetchone()
    return Date.fromisoformat(row[0]) if row and row[0] else None


def daily_series(store: Store, kind: str = "country", *, since: Date | None = None,
                 until: Date | None = None, unit: str | None = None) -> list[dict[str, Any]]:
    """One row per day, unit, PLOVER type and quad: events, summed event_scale, dead, injured."""
    expr, valid = _unit(kind)
    where, params = date_range(since, until)
    where += [valid, "date IS NOT NULL"]
    if unit:
        where.append(f"{expr} = ?")
        params.append(unit)
    rows = store.conn.execute(
        f"SELECT date, {expr} AS unit, type, quad, COUNT(*) AS events, ROUND(SUM(COALESCE(scale, 0)), 3) AS scale,"
        f" SUM(COALESCE(dead, 0)) AS dead, SUM(COALESCE(injured, 0)) AS injured FROM events"
        f" WHERE {' AND '.join(where)} GROUP BY date, unit, type, quad ORDER BY date, unit, type", params)
    return [dict(r) for r in rows]


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


# The index looks at the 53 weeks up to its day: the week judged and the 52 before it.
WINDOW_DAYS = DEFAULTS.monitor_window_days


def escalation(store: Store, kind: str = "country", *, as_of: Date | None = None) -> list[Escalation]:
    """The index for every unit with conflict events in the 53 weeks up to `as_of` (default: the
    latest event's date), most escalating first."""
    _unit(kind)  # an unknown unit is an error even in an empty store
    as_of = as_of or latest_date(store)
    if as_of is None:
        return []
    return escalation_rows(conflict_counts(store, kind, since=as_of - timedelta(days=WINDOW_DAYS - 1), until=as_of),
                           kind, as_of)


def conflict_counts(store: Store, kind: str, *, since: Date, until: Date) -> list[tuple[str, Date, int, int, int, int]]:
    """Conflict events (quads 3 and 4) from `since` to `until`, as (unit, date, quad, events, dead,
    injured) per unit, day and quad: what `escalation_rows` needs for any day up to `until`."""
    expr, valid = _unit(kind)
    rows = store.conn.execute(
        f"SELECT {expr} AS unit, date, quad, COUNT(*) AS n, SUM(COALESCE(dead, 0)) AS dead,"
        f" SUM(COALESCE(injured, 0)) AS injured FROM events"
        f" WHERE {valid} AND quad IN (3, 4) AND date BETWEEN ? AND ? GROUP BY unit, date, quad",
        (since.isoformat(), until.isoformat()))
    return [(r["unit"], Date.fromisoformat(r["date"]), r["quad"], r["n"], r["dead"], r["injured"]) for r in rows]


def escalation_rows(counts: Iterable[tuple[str, Date, int, int, int, int]], kind: str, as_of: Date) -> list[Escalation]:
    """The index as of `as_of` from `conflict_counts` rows (those outside its 53 weeks are passed
    over), most escalating first."""
    weeks: dict[str, list[int]] = defaultdict(lambda: [0] * 53)
    material: dict[str, list[int]] = defaultdict(lambda: [0] * 53)
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
        last, month, year = w[0], w[1:5], w[1:53]
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
    until = until or latest_date(store)
    if until is None:
        return
    since = since or until - timedelta(days=6)
    found: list[dict[str, Any]] = []
    for kind in ("country", "dyad"):
        # One read of the counts for the whole window; each day's index is computed from them.
        counts = conflict_counts(store, kind, since=since - timedelta(days=WINDOW_DAYS), until=until)
        before = set(_large_increases(counts, kind, since - timedelta(days=1)))
        day = since
        while day <= until:
            now = _large_increases(counts, kind, day)
            for unit in sorted(now.keys() - before):
                found.append({"alert": "escalation", "date": day.isoformat(), "unit": unit, "kind": kind,
                              "index": now[unit].to_dict()})
            before = set(now)
            day += timedelta(days=1)
    # Each first-ever (type, actor country, recipient country) in the window, with its first event:
    # the earliest, and of that day's the lowest id.
    rows = store.conn.execute(
        "SELECT type, actor_code, recipient_code, date AS first, id FROM (SELECT type, actor_code, recipient_code,"
        " date, id, ROW_NUMBER() OVER (PARTITION BY type, actor_code, recipient_code ORDER BY date, id) AS rn"
        " FROM events WHERE length(actor_code) = 3 AND length(recipient_code) = 3 AND actor_code != recipient_code"
        " AND date IS NOT NULL) WHERE rn = 1 AND date BETWEEN ? AND ? ORDER BY type, actor_code, recipient_code",
        (since.isoformat(), until.isoformat()))
    for r in rows:
        found.append({"alert": "first_event", "date": r["first"], "type": r["type"], "actor": r["actor_code"],
                      "recipient": r["recipient_code"], "event_id": r["id"]})
    rows = store.conn.execute(
        "SELECT COALESCE(a.name, a.code || ' ' || a.sector) AS actor, MIN(e.date) AS first FROM actors a"
        " JOIN events e ON e.id = a.event_id WHERE e.date IS NOT NULL AND (a.name IS NOT NULL OR"
        " (a.code IS NOT NULL AND a.sector IS NOT NULL)) GROUP BY actor HAVING first BETWEEN ? AND ?",
        (since.isoformat(), until.isoformat()))
    for r in rows:
        found.append({"alert": "new_actor", "date": r["first"], "actor": r["actor"]})
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
