"""`flashpoint run`'s throughput and memory: the local engine on 1, 2, ... workers, and the Ray engine.

    ./.venv/bin/python benchmarks/bench_engine.py [--n 600] [--words 600] [--workers 1 2] [--ray 2] [--gpu]

Articles of about `--words` words (0.8 to 1.3 times that) are GVA news articles from
../shared/data/gva of that length, or shorter ones joined in order (else the bundled examples),
written as one JSONL shard. Each run
is a fresh `flashpoint run SHARD --out DIR` process into an empty folder, timed from start to
exit as a user sees it: model loading, coding, the store and the Parquet export all included.
While it runs, the resident memory of every process it started (workers, Ray actors, the run
itself) is sampled from /proc twice a second; the largest worker's peak is reported.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_extract import corpus  # noqa: E402


def articles(n: int, words: int) -> tuple[list[str], str]:
    """`n` texts of 0.8 to 1.3 times `words` words: single articles of that length, or short ones
    joined in order until they reach it."""
    texts, name = corpus(n * max(1, words // 100))
    out, cur, size = [], [], 0
    for t in texts:
        cur.append(t)
        size += len(t.split())
        if size >= 0.8 * words:
            if size <= 1.3 * words:
                out.append("\n\n".join(cur))
            cur, size = [], 0
        if len(out) == n:
            break
    return out, name


def sentences_per_article(sample: list[str]) -> float:
    """Mean sentences an article, as spaCy's pipeline splits them, on a sample."""
    from flashpoint.coding.nlp import load_spacy, normalize

    nlp = load_spacy()
    docs = list(nlp.pipe(normalize(t) for t in sample))
    return round(sum(len(list(d.sents)) for d in docs) / len(docs), 1)


def _tree(root: int) -> dict[int, tuple[int, str]]:
    """pid -> (resident kB, process name) for `root` and every process below it."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after its last ')'.
        ppid = int(stat[stat.rindex(b")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    out: dict[int, tuple[int, str]] = {}
    todo = [root]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, ()))
        try:
            with open(f"/proc/{pid}/status") as fh:
                rss = next((line.split(":", 1)[1] for line in fh if line.startswith("VmRSS:")), "0 kB")
        except OSError:
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                name = fh.read().split(b"\0")[0].decode(errors="replace")
        except OSError:
            name = ""
        out[pid] = (int(rss.split()[0]), name)
    return out


def timed(cmd: list[str]) -> tuple[float, dict[int, tuple[int, str]], int, str]:
    """Seconds, peak resident kB and name per process, the run's own pid, and its summary."""
    peaks: dict[int, tuple[int, str]] = {}
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            for pid, (kb, name) in _tree(proc.pid).items():
                peaks[pid] = (max(peaks.get(pid, (0, ""))[0], kb), name)
            done.wait(0.5)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    secs = time.perf_counter() - t0
    done.set()
    sampler.join()
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed:\n{err}")
    return secs, peaks, proc.pid, err


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=600)
    ap.add_argument("--words", type=int, default=600, help="about this many words an article")
    ap.add_argument("--workers", type=int, nargs="*", default=[1, 2], help="local engine worker counts")
    ap.add_argument("--ray", type=int, nargs="*", default=[2], help="Ray engine actor counts (none: skip Ray)")
    ap.add_argument("--gpu", action="store_true", help="every run with --gpu (spaCy on the GPU)")
    args = ap.parse_args()
    texts, name = articles(args.n, args.words)
    words = sum(len(t.split()) for t in texts)
    result = {"corpus": name, "articles": len(texts), "mean_words": round(words / len(texts)), "cores": os.cpu_count(),
              "gpu": args.gpu, "mean_sentences": sentences_per_article(texts[:50]), "runs": []}
    exe = str(ROOT / ".venv" / "bin" / "flashpoint")
    with tempfile.TemporaryDirectory() as tmp:
        shard = Path(tmp) / "news.jsonl"
        shard.write_text("".join(json.dumps({"id": f"a{i}", "date": "2024-11-20", "text": t}) + "\n"
                                 for i, t in enumerate(texts)), encoding="utf-8")
        plan = [("local", w) for w in args.workers] + [("ray", w) for w in args.ray]
        for engine, w in plan:
            out = Path(tmp) / f"{engine}{w}"
            secs, peaks, me, summary = timed([exe, "run", str(shard), "--out", str(out), "--engine", engine,
                                              "--workers", str(w), *(["--gpu"] if args.gpu else [])])
            storing = re.search(r"([\d.]+) s storing", summary)
            # Workers: the local engine's pool processes (Python, children of the run) or Ray's actors.
            own = peaks.get(me, (0, ""))[0]
            workers = [kb for pid, (kb, cmd) in peaks.items()
                       if pid != me and (cmd.startswith("ray::") if engine == "ray" else "python" in cmd)]
            system = sum(kb for pid, (kb, cmd) in peaks.items() if pid != me and not cmd.startswith("ray::")) if engine == "ray" else 0
            result["runs"].append({
                "engine": engine, "workers": w, "seconds": round(secs, 1), "articles_per_s": round(len(texts) / secs, 2),
                "articles_per_day": int(len(texts) / secs * 86400),
                "sentences_per_s": round(len(texts) / secs * result["mean_sentences"]),
                "store_seconds": float(storing.group(1)) if storing else None,
                "peak_rss_mb_run_process": round(own / 1024),
                "peak_rss_mb_largest_worker": round(max(workers, default=own) / 1024),
                **({"peak_rss_mb_ray_system_processes": round(system / 1024)} if engine == "ray" else {}),
            })
    base = result["runs"][0]["articles_per_s"]
    for r in result["runs"]:
        r["speedup_vs_first"] = round(r["articles_per_s"] / base, 2)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
