"""The HTTP API under load: a store of a million events, 20 concurrent clients, one writer.

    ./.venv/bin/python benchmarks/bench_api.py [--events 1000000] [--clients 20] [--requests 50]

Builds a scratch store of synthetic events (50 countries, two years, every PLOVER type), starts
`flashpoint serve` on a loopback port, and while a writer keeps adding events in small
transactions, each client alternates a filtered events query (one country, a 30-day window, 100
per page, with the total) and a daily series (one country, 90 days). Prints latency percentiles.
"""

from __future__ import annotations

import argparse
import json
import random
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flashpoint.store import Store  # noqa: E402

COUNTRIES = ["AFG", "BFA", "CMR", "COD", "COL", "ETH", "GEO", "IND", "IRN", "IRQ", "ISR", "KEN", "LBN", "LBY", "MLI",
             "MMR", "MEX", "MOZ", "NER", "NGA", "PAK", "PHL", "PSE", "RUS", "SDN", "SOM", "SSD", "SYR", "TUR", "UKR",
             "USA", "VEN", "YEM", "BRA", "CHN", "EGY", "FRA", "DEU", "GBR", "HTI", "JPN", "KOR", "PRK", "SAU", "TCD",
             "TZA", "UGA", "ZAF", "ZWE", "BGD"]
TYPES = [("AGREE", 1), ("CONSULT", 1), ("SUPPORT", 1), ("CONCEDE", 1), ("COOPERATE", 2), ("AID", 2), ("RETREAT", 2),
         ("REQUEST", 3), ("ACCUSE", 3), ("REJECT", 3), ("THREATEN", 3), ("PROTEST", 4), ("SANCTION", 4),
         ("MOBILIZE", 4), ("COERCE", 4), ("ASSAULT", 4)]
START = date(2023, 1, 1)
DAYS = 730


def fake_rows(n: int, seed: int, prefix: str):
    rng = random.Random(seed)
    for i in range(n):
        country = rng.choice(COUNTRIES)
        etype, quad = rng.choice(TYPES)
        day = (START + timedelta(days=rng.randrange(DAYS))).isoformat()
        lat, lon = rng.uniform(-40, 60), rng.uniform(-120, 140)
        record = json.dumps({"id": f"{prefix}{i:07}", "article_id": f"{prefix}{i}", "acled": None, "date": day, "event": [etype], "mode": [], "context": [],
                             "quad_code": quad, "event_scale": -5.0, "actor": [], "recipient": [],
                             "event_loc": {"extracted_place": "x", "resolved_place": "x", "lat": lat, "lon": lon,
                                           "country_code": country, "resolution": 4},
                             "size": {"dead": 1}, "confidence": 0.7, "evidence": {"text": "synthetic", "start": 0, "end": 9},
                             "trigger": "x"})
        yield (f"{prefix}{i:07}", etype, quad, -5.0, day, country, "Region", "Town", lat, lon, 4,
               rng.choice(COUNTRIES), "MIL", country, "CVL", rng.randrange(3), rng.randrange(5), 1, 1, day, day, "bench",
               record)


INSERT = ("INSERT INTO events (id, type, quad, scale, date, country, admin1, place, lat, lon, resolution, actor_code,"
          " actor_sector, recipient_code, recipient_sector, dead, injured, mentions, sources, first_seen, last_seen,"
          " coder_version, record) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")


def build(db: Path, n: int) -> float:
    Store.open(db).close()
    t0 = time.perf_counter()
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    with conn:
        conn.executemany(INSERT, fake_rows(n, 1, "e"))
    conn.execute("ANALYZE")
    conn.close()
    return time.perf_counter() - t0


def writer(db: Path, stop: threading.Event, written: list[int]) -> None:
    """An ingest's write pattern: one small transaction after another."""
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA busy_timeout=10000")
    batch = 0
    while not stop.is_set():
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(INSERT, fake_rows(10, 1000 + batch, f"w{batch}-"))
        conn.execute("COMMIT")
        written[0] += 10
        batch += 1
        time.sleep(0.05)
    conn.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--requests", type=int, default=50, help="requests per client, alternating the two kinds")
    ap.add_argument("--workers", type=int, default=2, help="server processes (this machine has 2 cores)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        build_s = build(db, args.events)
        port = free_port()
        server = subprocess.Popen([sys.executable, "-m", "flashpoint.cli", "serve", "--db", str(db), "--port", str(port),
                                   "--workers", str(args.workers)],
                                  stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(200):
                try:
                    httpx.get(f"{base}/openapi.json", timeout=1)
                    break
                except httpx.HTTPError:
                    time.sleep(0.1)
            stop, written = threading.Event(), [0]
            w = threading.Thread(target=writer, args=(db, stop, written))
            w.start()
            timings: dict[str, list[float]] = {"events": [], "series": []}

            def client(k: int) -> None:
                rng = random.Random(k)
                with httpx.Client(base_url=base, timeout=30) as http:
                    for i in range(args.requests):
                        country = rng.choice(COUNTRIES)
                        day = START + timedelta(days=rng.randrange(DAYS - 90))
                        if i % 2 == 0:
                            kind, url = "events", "/api/events"
                            params = {"country": country, "since": day.isoformat(),
                                      "until": (day + timedelta(days=29)).isoformat(), "limit": 100}
                        else:
                            kind, url = "series", "/api/series"
                            params = {"by": "country", "unit": country, "since": day.isoformat(),
                                      "until": (day + timedelta(days=89)).isoformat()}
                        t0 = time.perf_counter()
                        r = http.get(url, params=params)
                        r.raise_for_status()
                        timings[kind].append(time.perf_counter() - t0)

            t0 = time.perf_counter()
            with ThreadPoolExecutor(args.clients) as pool:
                list(pool.map(client, range(args.clients)))
            wall = time.perf_counter() - t0
            stop.set()
            w.join()
        finally:
            server.terminate()
            server.wait()
    result = {"events_in_store": args.events, "build_seconds": round(build_s, 1), "clients": args.clients,
              "server_workers": args.workers,
              "requests": sum(len(v) for v in timings.values()), "wall_seconds": round(wall, 1),
              "events_written_meanwhile": written[0]}
    for kind, vals in timings.items():
        result[kind] = {f"p{p}_ms": round(percentile(vals, p) * 1000, 1) for p in (50, 95, 99)}
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
