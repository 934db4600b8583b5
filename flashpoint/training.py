"""`flashpoint train`: the event model (coding.verifier), from the project's own hand labels.

The labels are the rules' candidates on development articles, each judged by hand: real or not,
why not, the right type. `training/manifest.json` lists the label files; the articles' text is
read from the development data beside the project (`../shared/data`), never copied into it.
Articles are split by a hash of their id: one in five is held out, never trained or tuned on, and
the figures reported are that part's. Training is seeded and deterministic: the same labels and
data give the same weights, byte for byte.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .coding.pipeline import Pipeline
from .coding.stages import CANDIDATE_STAGES
from .coding.stages.coref import SAME, Context, candidate_pairs, link
from .coding.verifier import (
    COREF_MODEL,
    EVENT_MODEL,
    NO_EVENT,
    RULE_TYPE,
    LinearModel,
    answer,
    candidate_features,
    candidate_vector,
    decide,
    softmax,
)
from .devdata import dev_article_index
from .errors import DataFileError
from .model import Article, Event

SEED = 12
FOLDS = 5
L2 = 3e-3
EPOCHS = 250
LEARNING_RATE = 0.05
MIN_COUNT = 2


DIFFERENT = "DIFFERENT"


@dataclass(slots=True)
class Example:
    """A labelled candidate event."""

    article_id: str
    trigger_start: int
    features: list[str]
    vector: np.ndarray
    label: str  # a PLOVER type, or NO_EVENT
    reason: str | None
    rule_type: str
    heldout: bool

    @property
    def target(self) -> str:
        """The class it teaches: no event, the rules' type, or another type."""
        return RULE_TYPE if self.label == self.rule_type else self.label


@dataclass(slots=True)
class Pair:
    """Two real events of one type in an article: whether the later repeats the earlier."""

    article_id: str
    features: list[str]
    target: str  # SAME or DIFFERENT
    vector: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))


@dataclass(slots=True)
class CorefArticle:
    """An article's real labelled events, in order, with their gold event (a root) and the pairs compared."""

    article_id: str
    heldout: bool
    roots: list[int]
    pairs: list[tuple[int, int, Pair]]


@dataclass(slots=True)
class LabelSet:
    """Hand labels by article: (trigger_start -> label record), and the articles themselves."""

    articles: dict[str, Article] = field(default_factory=dict)
    labels: dict[str, dict[int, dict[str, Any]]] = field(default_factory=lambda: defaultdict(dict))
    # Single-sentence items labelled with their one event type (or NONE): each candidate of that
    # type is that event; every candidate of an item with no event is none.
    item_types: dict[str, str] = field(default_factory=dict)


def is_heldout(article_id: str) -> bool:
    return int(hashlib.sha1(article_id.encode("utf-8")).hexdigest()[:8], 16) % 5 == 0


def load_labels(manifest_path: Path, data: Path) -> LabelSet:
    """The label files the manifest lists, joined to their articles; a missing corpus skips its labels."""
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    out = LabelSet()
    index: dict[str, Article] | None = None
    for entry in manifest["labels"]:
        path = manifest_path.parent / entry["file"]
        if entry["kind"] == "flashpoint_rows":
            _flashpoint_rows(data / "flashpoint_rows" / "articles.jsonl", out)
            continue
        if entry["kind"] == "gold_items":
            with path.open(encoding="utf-8") as fh:
                for n, item in enumerate(json.loads(line) for line in fh if line.strip()):
                    key = f"gold:{n}"
                    out.articles[key] = Article(id=key, text=item["text"])
                    out.item_types[key] = item.get("event") or NO_EVENT
            continue
        if index is None:
            index = dev_article_index(data)
        with path.open(encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                rec = json.loads(line)
                article = index.get(rec["article_id"])
                if article is None:
                    continue
                if not article.text.startswith(rec["trigger"], rec["trigger_start"]):
                    raise DataFileError(f"line {n}: trigger {rec['trigger']!r} is not at {rec['trigger_start']} "
                                        f"of {rec['article_id']}", source=str(path))
                out.articles[article.id] = article
                dup = rec.get("duplicate_of")
                out.labels[article.id][rec["trigger_start"]] = {
                    "type": rec["type"] if rec["real"] else NO_EVENT, "reason": rec.get("reason"),
                    "duplicate_of": int(dup.rsplit("@", 1)[1]) if dup else None}
    return out


def _flashpoint_rows(path: Path, out: LabelSet) -> None:
    if not path.exists():
        return
    with path.open(encoding="utf-8") as fh:
        for rec in map(json.loads, fh):
            out.articles[rec["article_id"]] = Article(id=rec["article_id"], text=rec["text"], title=rec.get("title"))
            starts: dict[str, int] = {}
            for row in rec["rows"]:
                lab = row["label"]
                start = row["evidence_start"] + max(row["evidence"].find(row["trigger"]), 0)
                starts[row["row_id"]] = start
                dup = lab.get("duplicate_of")
                out.labels[rec["article_id"]][start] = {
                    "type": lab["type"] if lab["real"] else NO_EVENT, "reason": lab.get("reason"),
                    "duplicate_of": starts.get(dup) if dup else None}


def examples(labels: LabelSet, pipeline: Pipeline | None = None) -> tuple[list[Example], list[CorefArticle]]:
    """Each labelled candidate the rules still propose, with its features; and, per article, its
    real events' pairs for the coreference model."""
    pipeline = pipeline or Pipeline(CANDIDATE_STAGES)
    out: list[Example] = []
    coref: list[CorefArticle] = []
    ids = sorted(labels.articles)
    for article in pipeline.run(labels.articles[i] for i in ids):
        want = labels.labels[article.id]
        if article.id in labels.item_types:
            item = labels.item_types[article.id]
            want = {ev.trigger_start: {"type": item, "reason": None, "duplicate_of": None} for ev in article.events
                    if item in (NO_EVENT, ev.event[0])}
        sent_index = {s.start: i for i, s in enumerate(article.parsed.sents)} if article.events else {}
        real = []
        for ev in article.events:
            lab = want.get(ev.trigger_start)
            if lab is None:
                continue
            sent = article.parsed[ev.trigger_i].sent
            out.append(Example(article.id, ev.trigger_start, candidate_features(ev, article.parsed, sent_index[sent.start]),
                               candidate_vector(ev, article.parsed), lab["type"], lab["reason"], ev.event[0],
                               is_heldout(article.id)))
            if lab["type"] != NO_EVENT:
                ev.event = [lab["type"]]
                real.append((ev, lab))
        if len(real) > 1:
            coref.append(_coref_article(article, real))
    return out, coref


def _coref_article(article: Article, real: list[tuple[Event, dict[str, Any]]]) -> CorefArticle:
    real.sort(key=lambda r: (r[0].evidence.start, r[0].trigger_start))
    parent = {ev.trigger_start: lab["duplicate_of"] for ev, lab in real}

    def root(start: int) -> int:
        seen = set()
        while parent.get(start) is not None and start not in seen:
            seen.add(start)
            start = parent[start]
        return start

    events = [ev for ev, _ in real]
    roots = [root(ev.trigger_start) for ev in events]
    pairs = [(i, j, Pair(article.id, f, SAME if roots[i] == roots[j] else DIFFERENT))
             for i, j, f in candidate_pairs(events, Context(article.parsed))]
    return CorefArticle(article.id, is_heldout(article.id), roots, pairs)


@dataclass(frozen=True)
class Fitted:
    classes: tuple[str, ...]
    vocab: tuple[str, ...]
    weights: np.ndarray
    dense_weights: np.ndarray
    dense_mean: np.ndarray
    dense_scale: np.ndarray
    bias: np.ndarray

    def logits(self, items: Sequence[Item]) -> np.ndarray:
        model = self.as_model(1.0, 0.5)
        return model.logits([e.features for e in items], np.stack([e.vector for e in items]))

    def as_model(self, temperature: float, keep_threshold: float) -> LinearModel:
        return LinearModel(self.classes, {w: i for i, w in enumerate(self.vocab)}, self.weights, self.dense_weights,
                          self.dense_mean, self.dense_scale, self.bias, temperature, keep_threshold, "unsaved")


Item = Example | Pair


def fit(exs: Sequence[Item], classes: Sequence[str], seed: int = SEED, l2: float = L2,
        epochs: int = EPOCHS) -> Fitted:
    """Multinomial logistic regression by full-batch Adam; sparse features as index lists."""
    counts = Counter(f for e in exs for f in set(e.features))
    vocab = tuple(sorted(f for f, n in counts.items() if n >= MIN_COUNT))
    index = {f: i for i, f in enumerate(vocab)}
    rows, cols = [], []
    for r, e in enumerate(exs):
        for i in sorted({index[f] for f in e.features if f in index}):
            rows.append(r)
            cols.append(i)
    row_idx, col_idx = np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64)
    dense = np.stack([e.vector for e in exs]).astype(np.float64)
    mean, scale = dense.mean(axis=0), dense.std(axis=0) + 1e-6
    dense = (dense - mean) / scale
    cls_index = {c: i for i, c in enumerate(classes)}
    y = np.zeros((len(exs), len(classes)))
    y[np.arange(len(exs)), [cls_index[e.target] for e in exs]] = 1.0
    rng = np.random.default_rng(seed)
    params = [np.zeros((len(vocab), len(classes))), rng.normal(0, 0.01, (dense.shape[1], len(classes))),
              np.zeros(len(classes))]
    moments = [(np.zeros_like(p), np.zeros_like(p)) for p in params]
    n = len(exs)
    for step in range(1, epochs + 1):
        w, dw, b = params
        z = dense @ dw + b
        np.add.at(z, row_idx, w[col_idx])
        g = (softmax(z) - y) / n
        grads = [np.zeros_like(w), dense.T @ g + l2 * dw, g.sum(axis=0)]
        np.add.at(grads[0], col_idx, g[row_idx])
        grads[0] += l2 * w
        for p, grad, (m, v) in zip(params, grads, moments, strict=True):
            m *= 0.9
            m += 0.1 * grad
            v *= 0.999
            v += 0.001 * grad * grad
            p -= LEARNING_RATE * (m / (1 - 0.9 ** step)) / (np.sqrt(v / (1 - 0.999 ** step)) + 1e-8)
    w, dw, b = params
    return Fitted(tuple(classes), vocab, w.astype(np.float32), dw.astype(np.float32), mean.astype(np.float32),
                  scale.astype(np.float32), b.astype(np.float32))


def out_of_fold(exs: Sequence[Item], classes: Sequence[str]) -> np.ndarray:
    """Each example's logits from a model trained on the other folds (split by article)."""
    fold_of = {a: int(hashlib.sha1(a.encode()).hexdigest()[8:16], 16) % FOLDS for a in {e.article_id for e in exs}}
    out = np.zeros((len(exs), len(classes)))
    for k in range(FOLDS):
        test = [i for i, e in enumerate(exs) if fold_of[e.article_id] == k]
        train = [e for e in exs if fold_of[e.article_id] != k]
        out[test] = fit(train, classes).logits([exs[i] for i in test])
    return out


def calibrate(logits: np.ndarray, exs: Sequence[Example], classes: Sequence[str]) -> tuple[float, float]:
    """The temperature that minimises log loss, and the keep threshold that maximises F1 of
    telling real events from the rest, on out-of-fold predictions."""
    y = np.array([classes.index(e.target) for e in exs])
    best_t = min(np.arange(0.5, 3.01, 0.05), key=lambda t: -np.log(softmax(logits / t)[np.arange(len(y)), y] + 1e-12).mean())
    p_real = 1 - softmax(logits / best_t)[:, classes.index(NO_EVENT)]
    real = np.array([e.label != NO_EVENT for e in exs])
    best_f1, best_th = -1.0, 0.5
    for th in np.arange(0.2, 0.81, 0.01):
        kept = p_real >= th
        tp = (kept & real).sum()
        f1 = 2 * tp / (kept.sum() + real.sum()) if kept.sum() + real.sum() else 0.0
        if f1 > best_f1:
            best_f1, best_th = f1, float(th)
    return float(round(best_t, 2)), round(best_th, 2)


def isotonic_map(logits: np.ndarray, exs: Sequence[Example], classes: Sequence[str],
                 threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """The kept candidates' probability of their answer against whether the answer is right, made
    monotone by pooling adjacent violators: the map that turns one into the other."""
    answers = answer(classes, softmax(logits), [e.rule_type for e in exs])
    pts = sorted((p, float(e.label == t)) for e, (t, p, real) in zip(exs, answers, strict=True) if real >= threshold)
    blocks: list[list[float]] = []  # [sum of right, count, lowest p, highest p]
    for p, right in pts:
        blocks.append([right, 1.0, p, p])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] >= blocks[-1][0] / blocks[-1][1]:
            last = blocks.pop()
            blocks[-1] = [blocks[-1][0] + last[0], blocks[-1][1] + last[1], blocks[-1][2], last[3]]
    xs = [x for b in blocks for x in (b[2], b[3])]
    ys = [b[0] / b[1] for b in blocks for _ in (0, 1)]
    return np.array(xs, dtype=np.float32), np.array(ys, dtype=np.float32)


def evaluate(model: LinearModel, exs: Sequence[Example]) -> dict[str, Any]:
    """Figures on labelled candidates: how well kept/dropped and the type agree with the labels."""
    decided = decide(model, [e.features for e in exs], np.stack([e.vector for e in exs]), [e.rule_type for e in exs])
    p_real = np.array([d[2] for d in decided])
    conf = np.array([d[1] for d in decided])
    real = np.array([e.label != NO_EVENT for e in exs])
    kept = np.array([d[0] is not None for d in decided])
    right = np.array([e.label == d[0] for e, d in zip(exs, decided, strict=True)])
    rules_right = np.array([e.label == e.rule_type for e in exs])
    # Gold items with no event give no reason.
    reasons = Counter(e.reason or "unstated" for e in exs if e.label == NO_EVENT)
    dropped_by_reason = Counter(e.reason or "unstated" for e, k in zip(exs, kept, strict=True)
                                if e.label == NO_EVENT and not k)
    table = []
    for lo, hi in ((0.0, 0.2), (0.2, 0.4), (0.4, 0.6), (0.6, 0.8), (0.8, 0.9), (0.9, 1.01)):
        sel = kept & (conf >= lo) & (conf < hi)
        table.append({"confidence": f"{lo:.1f}-{min(hi, 1.0):.1f}", "rows": int(sel.sum()),
                      "right": round(float(right[sel].mean()), 3) if sel.any() else None,
                      "mean_confidence": round(float(conf[sel].mean()), 3) if sel.any() else None})
    high = kept & (conf >= 0.8)
    return {
        "candidates": len(exs), "real": int(real.sum()),
        "auc_real": round(_auc(p_real, real), 3),
        "kept": int(kept.sum()),
        "precision_kept": _mean(real[kept]),
        "real_kept": _mean(kept[real]),
        "rules_precision": _mean(real),
        "type_accuracy_real_kept": _mean(right[kept & real]),
        "rules_type_accuracy_real": _mean(rules_right[real]),
        "right_kept": _mean(right[kept]),
        "rules_right": _mean(rules_right),
        "right_at_0.8": _mean(right[high]),
        "rows_at_0.8": int(high.sum()),
        "dropped_by_reason": {r: f"{dropped_by_reason[r]}/{n}" for r, n in sorted(reasons.items())},
        "reliability": table,
    }


def _mean(a: np.ndarray) -> float | None:
    return round(float(a.mean()), 3) if a.size else None


def _auc(scores: np.ndarray, labels: np.ndarray) -> float:
    order = np.argsort(scores, kind="stable")
    ranks = np.empty(len(scores))
    ranks[order] = np.arange(1, len(scores) + 1)
    pos = labels.sum()
    neg = len(labels) - pos
    if not pos or not neg:
        return float("nan")
    return float((ranks[labels].sum() - pos * (pos + 1) / 2) / (pos * neg))


def train(manifest_path: Path, data: Path, out_dir: Path) -> dict[str, Any]:
    """Train both models on the non-held-out labels, write them to `out_dir` (EVENT_MODEL,
    COREF_MODEL), and return the figures: the held-out part's, and the training part's
    cross-validated ones."""
    labels = load_labels(manifest_path, data)
    if not labels.articles:
        raise DataFileError(f"no labelled article found: the development data is not under {data}", source=str(data))
    exs, coref_articles = examples(labels)
    train_exs = [e for e in exs if not e.heldout]
    held = [e for e in exs if e.heldout]
    classes = tuple(sorted({e.target for e in train_exs} | {NO_EVENT, RULE_TYPE}))
    oof = out_of_fold(train_exs, classes)
    temperature, threshold = calibrate(oof, train_exs, classes)
    cal_x, cal_y = isotonic_map(oof / temperature, train_exs, classes, threshold)
    fitted = fit(train_exs, classes)
    save(fitted, temperature, threshold, out_dir / EVENT_MODEL, cal_x, cal_y)
    model = LinearModel.load(out_dir / EVENT_MODEL)
    report: dict[str, Any] = {
        "event_model": {
            "file": model.version, "classes": list(classes), "vocabulary": len(fitted.vocab),
            "temperature": temperature, "keep_threshold": threshold,
            "articles": {"train": len({e.article_id for e in train_exs}), "heldout": len({e.article_id for e in held})},
            "heldout": evaluate(model, held) if held else None,
            "train_cross_validated": _evaluate_logits(fitted.as_model(temperature, threshold), oof, train_exs),
        },
        "coref_model": train_coref(coref_articles, out_dir / COREF_MODEL),
    }
    return report


def train_coref(articles: list[CorefArticle], out: Path) -> dict[str, Any]:
    """The pairwise coreference model, its merge threshold chosen on out-of-fold predictions."""
    train_arts = [a for a in articles if not a.heldout]
    pairs = [p for a in train_arts for _, _, p in a.pairs]
    classes = (DIFFERENT, SAME)
    oof = softmax(out_of_fold(pairs, classes))[:, 1]
    probs: dict[str, dict[tuple[int, int], float]] = defaultdict(dict)
    k = 0
    for a in train_arts:
        for i, j, _ in a.pairs:
            probs[a.article_id][(i, j)] = float(oof[k])
            k += 1
    threshold = min((round(float(t), 2) for t in np.arange(0.2, 0.91, 0.05)),
                    key=lambda t: _errors_total(train_arts, probs, t))
    fitted = fit(pairs, classes)
    save(fitted, 1.0, threshold, out)
    model = LinearModel.load(out)
    held = [a for a in articles if a.heldout]
    held_probs: dict[str, dict[tuple[int, int], float]] = {}
    for a in held:
        got = model.probabilities([p.features for _, _, p in a.pairs], model.no_vectors(len(a.pairs)))[:, 1] \
            if a.pairs else np.zeros(0)
        held_probs[a.article_id] = {(i, j): float(q) for (i, j, _), q in zip(a.pairs, got, strict=True)}
    return {"file": model.version, "merge_threshold": threshold, "pairs": len(pairs),
            "heldout": _coref_figures(held, held_probs, threshold),
            "train_cross_validated": _coref_figures(train_arts, probs, threshold)}


def _clustering_errors(a: CorefArticle, probs: dict[tuple[int, int], float], threshold: float) -> dict[str, int]:
    """Gold events lost by merging two into one row, and rows that repeat a gold event."""
    clusters = link(probs, len(a.roots), threshold)
    roots_in: dict[int, set[int]] = defaultdict(set)
    clusters_of: dict[int, set[int]] = defaultdict(set)
    for c, r in zip(clusters, a.roots, strict=True):
        roots_in[c].add(r)
        clusters_of[r].add(c)
    return {"lost": sum(len(v) - 1 for v in roots_in.values()), "repeats": sum(len(v) - 1 for v in clusters_of.values()),
            "events": len(clusters_of), "rows": len(roots_in)}


def _errors_total(arts: Sequence[CorefArticle], probs: dict[str, dict[tuple[int, int], float]], threshold: float) -> int:
    total = 0
    for a in arts:
        e = _clustering_errors(a, probs[a.article_id], threshold)
        total += e["lost"] + e["repeats"]
    return total


def _coref_figures(arts: Sequence[CorefArticle], probs: dict[str, dict[tuple[int, int], float]],
                   threshold: float) -> dict[str, Any]:
    sums: Counter[str] = Counter()
    for a in arts:
        sums.update(_clustering_errors(a, probs[a.article_id], threshold))
        sums["mentions"] += len(a.roots)
    events = sums["events"]
    return {"articles": len(arts), "real_mentions": sums["mentions"], "events": events, "rows": sums["rows"],
            "repeat_rows": sums["repeats"], "events_lost_by_merging": sums["lost"],
            "repeat_rate": round(sums["repeats"] / sums["rows"], 3) if sums["rows"] else None,
            "repeat_rate_without_coref": round((sums["mentions"] - events) / sums["mentions"], 3) if sums["mentions"] else None,
            "lost_rate": round(sums["lost"] / events, 3) if events else None}


def _evaluate_logits(model: LinearModel, logits: np.ndarray, exs: Sequence[Example]) -> dict[str, Any]:
    none = model.classes.index(NO_EVENT)
    p_real = 1 - softmax(logits / model.temperature)[:, none]
    real = np.array([e.label != NO_EVENT for e in exs])
    kept = p_real >= model.keep_threshold
    return {"candidates": len(exs), "auc_real": round(_auc(p_real, real), 3),
            "precision_kept": round(float(real[kept].mean()), 3), "real_kept": round(float(kept[real].mean()), 3)}


def save(fitted: Fitted, temperature: float, threshold: float, out: Path,
         calibration_x: np.ndarray | None = None, calibration_y: np.ndarray | None = None) -> None:
    meta = {"classes": list(fitted.classes), "temperature": temperature, "keep_threshold": threshold}
    out.parent.mkdir(parents=True, exist_ok=True)
    # np.savez writes zip entries with the current time; a fixed archive is written by hand so
    # that the same training gives the same file.
    import io
    import zipfile

    arrays = {"meta": np.array(json.dumps(meta, sort_keys=True)), "vocab": np.array(fitted.vocab),
              "weights": fitted.weights.astype(np.float16), "dense_weights": fitted.dense_weights,
              "dense_mean": fitted.dense_mean, "dense_scale": fitted.dense_scale, "bias": fitted.bias}
    if calibration_x is not None and calibration_y is not None:
        arrays |= {"calibration_x": calibration_x, "calibration_y": calibration_y}
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, arr in arrays.items():
            buf = io.BytesIO()
            np.lib.format.write_array(buf, arr, allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, buf.getvalue())


def report_markdown(report: dict[str, Any]) -> str:
    """docs/event_model.md: what the models are and how they measure (`flashpoint train --markdown`)."""
    ev, co = report["event_model"], report["coref_model"]
    held, cv = ev["heldout"], ev["train_cross_validated"]
    lines = [
        "# The event and coreference models",
        "",
        "Written by `./.venv/bin/flashpoint train --markdown > docs/event_model.md`, which also writes the models",
        "(`flashpoint/models/`). The labels are listed in `training/manifest.json`; one article in five (by a hash",
        "of its id) is held out: never trained on, never tuned on. Figures below are on that part unless",
        "marked cross-validated (5 folds by article, training part only).",
        "",
        "## Event model (stage `verify`)",
        "",
        f"Model file digest `{ev['file']}`; {ev['vocabulary']:,} named features plus the parser's 192 contextual",
        f"dimensions; classes {', '.join(ev['classes'])} (SAME: the rules' type is right).",
        f"Temperature {ev['temperature']}, a candidate is kept when P(some event) >= {ev['keep_threshold']}",
        f"(chosen on cross-validated predictions). Articles: {ev['articles']['train']} train,"
        f" {ev['articles']['heldout']} held out.",
        "",
        "| figure (held-out candidates) | rules alone | with the model |",
        "|---|---|---|",
        f"| candidates | {held['candidates']} | kept {held['kept']} |",
        f"| rows that are a real event | {held['rules_precision']} | {held['precision_kept']} |",
        f"| real events kept | 1.0 | {held['real_kept']} |",
        f"| rows of the right type (real and typed right) | {held['rules_right']} | {held['right_kept']} |",
        f"| type accuracy on real rows | {held['rules_type_accuracy_real']} | {held['type_accuracy_real_kept']} |",
        f"| ROC-AUC, real vs not | - | {held['auc_real']} |",
        "",
        f"Cross-validated on the training part: AUC {cv['auc_real']}, rows real {cv['precision_kept']},"
        f" real kept {cv['real_kept']} ({cv['candidates']} candidates).",
        "",
        "Non-events dropped, by the labels' reason: "
        + ", ".join(f"{r} {n}" for r, n in held["dropped_by_reason"].items()) + ".",
        "",
        "### Reliability of `confidence` (held-out rows kept)",
        "",
        "`confidence` is the calibrated probability that the row is a real event of its type; `right` is the",
        "share of rows in the bin that are (labels' type and real).",
        "",
        "| confidence | rows | right | mean confidence |",
        "|---|---|---|---|",
    ]
    lines += [f"| {b['confidence']} | {b['rows']} | {b['right'] if b['right'] is not None else '-'} |"
              f" {b['mean_confidence'] if b['mean_confidence'] is not None else '-'} |" for b in held["reliability"]]
    lines += [
        "",
        f"Rows at confidence >= 0.8: {held['rows_at_0.8']}, of which {held['right_at_0.8']} right.",
        "",
        "## Coreference model (stage `coref`)",
        "",
        f"Model file digest `{co['file']}`, {co['pairs']:,} training pairs; a later event joins the earlier one it",
        f"most probably repeats when P(same) >= {co['merge_threshold']} (chosen on cross-validated predictions",
        "to make the fewest lost events plus repeat rows). On the held-out articles' real events:",
        "",
        "| figure | no coreference | with the model |",
        "|---|---|---|",
        f"| rows per real event | {co['heldout']['real_mentions']} rows / {co['heldout']['events']} events |"
        f" {co['heldout']['rows']} rows |",
        f"| rows that repeat an event | {co['heldout']['repeat_rate_without_coref']} | {co['heldout']['repeat_rate']} |",
        f"| events lost by merging two into one row | 0 | {co['heldout']['lost_rate']} |",
        "",
    ]
    return "\n".join(lines)
