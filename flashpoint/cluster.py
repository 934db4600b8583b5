"""Same-event article clustering: one cluster id per article, the same id for reports of one event.

How it works (standard library, numpy and scipy; no spaCy, no model):
- Each article (title + text) gives two bags: its words (lower-cased, stop words dropped; a
  capitalised word inside a sentence counts NAME_WEIGHT times, a number NUMBER_WEIGHT times) and
  its names and numbers alone. Each bag becomes a sparse TF-IDF row over the batch (sublinear tf,
  smoothed idf, unit length).
- Two articles' similarity is the geometric mean of their word cosine and their name cosine.
  Reports of two earthquakes or two shootings share "magnitude", "gunman", "killed", but not
  the towns, people and tolls; with no name in common they score 0, however alike their words,
  which holds even in a batch of two where idf cannot tell common words from rare ones. An
  article without any name (lower-cased text) falls back to the word cosine.
- Pairs are scored a block of rows at a time. With dates, articles are sorted by date and a
  block only meets the articles within `window_days`, so the cost follows the articles per
  window, not the square of the batch; pairs under EDGE_FLOOR x threshold are dropped.
- Average-linkage agglomeration over that sparse graph (identical to scipy's average linkage
  when nothing is dropped): the two clusters with the highest mean pairwise similarity merge
  while it is >= `threshold`. Average, not single linkage, so one bridging article does not
  chain two events together. Dated articles more than `window_days` apart never share a
  cluster (a merge that would stretch a cluster's dates past the window is refused); an
  undated article may join any cluster.

Measured with `./.venv/bin/python benchmarks/bench_cluster.py` (one CPU core):
- ECB+ topics 1-22 as in ../shared/data/ecbplus: 462 documents, 40 gold events (two events of one
  kind per topic), all clustered at once, topics unused, no dates (ECB+ has none; the ecbplus
  documents' datelines stay in their text). Default threshold 0.2: B-cubed P 0.899, R 0.949,
  F1 0.924, 45 clusters; 0.1-0.25 s to cluster, 0.45 s with reading the XML. F1 by threshold:
  0.14: 0.870, 0.16: 0.899, 0.18: 0.909, 0.20: 0.924, 0.22: 0.894, 0.24: 0.912, 0.26: 0.878,
  0.28: 0.852. Tuning the threshold on odd topics and scoring even ones, and the reverse, gave
  F1 0.882 and 0.907. What stays merged: 5 of the 20 topics, whose two events share their
  people and places (two offers to Teixeira, Bush's species rule and Obama's reversal of it,
  Turkmen elections of 2008 and 2013, Indian navy against Somali pirates in 2008 and 2011, two
  quakes on Qeshm island); publication dates, which ECB+ lacks, would part the last three.
- GVA (../shared/data/gva, 3,095 US gun-violence articles, 1,749 incidents, dated): window 3 days
  P 0.985, R 0.788, F1 0.876 in 1.1 s (follow-up stories written later than the window stay
  apart); undated P 0.764, R 0.872, F1 0.815 in 1.5 s; three copies undated (9,285 articles)
  6.8 s, 350 MB peak.
"""

from __future__ import annotations

import heapq
import math
import re
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from collections.abc import Hashable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from .model import Article
from .settings import DEFAULTS

DEFAULT_THRESHOLD = DEFAULTS.cluster_threshold
# How much more a name or a number counts than a common word in the word bag.
NAME_WEIGHT = DEFAULTS.cluster_name_weight
NUMBER_WEIGHT = DEFAULTS.cluster_number_weight
# Pairs less similar than this share of the threshold are dropped (counted as 0 in cluster means):
# they hardly move a mean, and keeping them makes the graph of a large batch dense.
EDGE_FLOOR = DEFAULTS.cluster_edge_floor
# Rows per block of similarities: a block is a dense rows x reachable-articles array.
BLOCK_ROWS = 256

_STOP = frozenset("""
a about above after again against ago all also am an and another any are around as at back be because been before
being below between both but by can could did do does doing done down during each either even ever every few for
from further get got had has have having he her here hers herself him himself his how however i if in into is it its
itself just last later least less like made make many may me might more most much must my myself near neither never
new next no nor not now of off on once one only or other our ours ourselves out over own per said same say says she
should since so some still such than that the their theirs them themselves then there these they this those though
three through to too two under until up upon us very was we were what when where why whether which while who whom
whose will with within without would yet you your yours yourself mr mrs ms
""".split())
# Capitalised, but shared by every event of the same week or month: not names.
_CALENDAR = frozenset("""
monday tuesday wednesday thursday friday saturday sunday january february march april may june july august
september october november december jan feb mar apr jun jul aug sep sept oct nov dec
""".split())
# Words (a possessive 's left off, so "Peru's" is "Peru"), numbers, and sentence ends.
_TOKEN = re.compile(r"[^\W\d_]+(?:['’-](?![sS]\b)[^\W\d_]+)*|\d+(?:[.,:]\d+)*|[.!?\n]")


def cluster_articles(articles: Sequence[Article], *, threshold: float = DEFAULT_THRESHOLD, window_days: int = 3) -> list[str]:
    """One cluster id per article, in input order. Ids are stable strings such as 'c0001' numbered by first appearance."""
    if not articles:
        return []
    days = [a.date.toordinal() if a.date is not None else None for a in articles]
    bags = [_terms(headline_and_text(a)) for a in articles]
    words, names = _tfidf([w for w, _ in bags]), _tfidf([n for _, n in bags])
    edges = _similar_pairs(words, names, days, window_days, EDGE_FLOOR * threshold)
    roots = _average_linkage(len(articles), edges, days, threshold=threshold, window_days=window_days)
    ids: dict[int, str] = {}
    return [ids.setdefault(root, f"c{len(ids) + 1:04d}") for root in roots]


def headline_and_text(article: Article) -> str:
    """What an article's terms are counted over: its headline, when it has one, then its text."""
    return f"{article.title}\n{article.text}" if article.title else article.text


def sublinear_tf(tf: float) -> float:
    return 1 + math.log(tf)


def smooth_idf(n: int, df: int) -> float:
    """Smoothed idf of a term in `df` of `n` documents (the store's name vectors use it too)."""
    return math.log((1 + n) / (1 + df)) + 1


def name_terms(text: str) -> Counter[str]:
    """The names and numbers of a text: what tells one event from another of its kind."""
    return _terms(text)[1]


def _terms(text: str) -> tuple[dict[str, float], Counter[str]]:
    """The article's word bag (names and numbers weighted up) and its bag of names and numbers alone."""
    words: dict[str, float] = defaultdict(float)
    names: Counter[str] = Counter()
    sentence_start = True
    for token in _TOKEN.findall(text):
        if token in ".!?\n":
            sentence_start = True
            continue
        word = token.lower()
        if len(word) > 1 and word not in _STOP:
            # A sentence's first word is capitalised whatever it is.
            specific = token[0].isdigit() or (token[0].isupper() and not sentence_start and word not in _CALENDAR)
            words[word] += (NUMBER_WEIGHT if token[0].isdigit() else NAME_WEIGHT) if specific else 1.0
            if specific:
                names[word] += 1
        sentence_start = False
    return words, names


def _tfidf(bags: Sequence[Mapping[str, float]]) -> sp.csr_matrix:
    """Unit-length rows (all zero for an empty bag) of sublinear tf times smoothed idf over this batch."""
    n = len(bags)
    df = Counter(term for bag in bags for term in bag)
    vocab = {term: j for j, term in enumerate(df)}
    idf = {term: smooth_idf(n, count) for term, count in df.items()}
    rows, cols, vals = [], [], []
    for i, bag in enumerate(bags):
        for term, tf in bag.items():
            rows.append(i)
            cols.append(vocab[term])
            vals.append(sublinear_tf(tf) * idf[term])
    matrix = sp.csr_matrix((vals, (rows, cols)), shape=(n, len(vocab)), dtype=np.float64)
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    return sp.csr_matrix(sp.diags(1 / np.maximum(norms, 1e-12)) @ matrix)


def _similar_pairs(words: sp.csr_matrix, names: sp.csr_matrix, days: list[int | None], window_days: int,
                   floor: float) -> list[tuple[float, int, int]]:
    """(similarity, i, j) with i < j for the pairs at least `floor` similar that may report one event.

    The similarity is the geometric mean of the word and the name cosines, or the word cosine
    alone when either article has no name: then the name evidence is missing, not contrary."""
    order = np.array(sorted(range(len(days)), key=lambda i: (days[i] is None, days[i] or 0, i)), dtype=np.int64)
    day = np.array([np.nan if d is None else d for d in days], dtype=np.float64)[order]
    named = (names.getnnz(axis=1) > 0)[order]
    words, names = words[order], names[order]
    n, n_dated = len(order), int(np.count_nonzero(~np.isnan(day)))
    found = []
    for start in range(0, n, BLOCK_ROWS):
        stop = min(start + BLOCK_ROWS, n)
        # Dated articles sort first, undated last: the columns in reach are one date range plus all undated ones.
        reach = int(np.searchsorted(day[:n_dated], day[stop - 1] + window_days, side="right")) if stop <= n_dated else n
        cols = np.r_[start:reach, max(reach, n_dated):n]
        by_words = (words[start:stop] @ words[cols].T).toarray()
        by_names = (names[start:stop] @ names[cols].T).toarray()
        sims = np.where(named[start:stop, None] & named[None, cols], np.sqrt(by_words * by_names), by_words)
        rows = np.arange(start, stop)[:, None]
        # A comparison with an undated article is NaN, hence never "too far".
        keep = (rows < cols[None, :]) & (sims >= floor) & ~(np.abs(day[rows] - day[None, cols]) > window_days)
        r, c = np.nonzero(keep)
        i, j = order[start + r], order[cols[c]]
        found.append((sims[r, c], np.minimum(i, j), np.maximum(i, j)))
    sims, first, second = (np.concatenate(parts).tolist() for parts in zip(*found, strict=True))
    return list(zip(sims, first, second, strict=True))


def _average_linkage(n: int, edges: list[tuple[float, int, int]], days: list[int | None], *,
                     threshold: float, window_days: int) -> list[int]:
    """Each item's cluster representative after merging, best pair first, while the mean similarity is >= threshold.

    Pairs without an edge count as similarity 0 in the mean."""
    links: list[dict[int, float]] = [{} for _ in range(n)]
    for sim, i, j in edges:
        links[i][j] = links[j][i] = sim
    size = [1] * n
    span = [(d, d) if d is not None else None for d in days]
    version = [0] * n
    parent = list(range(n))
    heap = [(-sim, i, j, 0, 0) for sim, i, j in edges if sim >= threshold]
    heapq.heapify(heap)
    while heap:
        _, a, b, va, vb = heapq.heappop(heap)
        if version[a] != va or version[b] != vb:
            continue
        merged = _merge_span(span[a], span[b])
        if merged is not None and merged[1] - merged[0] > window_days:
            continue
        parent[b], span[a], size[a] = a, merged, size[a] + size[b]
        version[a], version[b] = version[a] + 1, -1
        del links[a][b]
        for c, total in links[b].items():
            if c != a:
                links[a][c] = links[c][a] = links[a].get(c, 0.0) + total
                del links[c][b]
        links[b] = {}
        for c, total in links[a].items():
            mean = total / (size[a] * size[c])
            if mean >= threshold:
                x, y = min(a, c), max(a, c)
                heapq.heappush(heap, (-mean, x, y, version[x], version[y]))
    return [_root(parent, i) for i in range(n)]


def _merge_span(a: tuple[int, int] | None, b: tuple[int, int] | None) -> tuple[int, int] | None:
    if a is None or b is None:
        return a or b
    return min(a[0], b[0]), max(a[1], b[1])


def _root(parent: list[int], i: int) -> int:
    while parent[i] != i:
        i = parent[i]
    return i


def b_cubed(gold: Sequence[Hashable], pred: Sequence[Hashable]) -> dict[str, float]:
    """{'precision':..., 'recall':..., 'f1':...} B-cubed over items."""
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold labels but {len(pred)} predicted")
    if not gold:
        return {"precision": 0.0, "recall": 0.0, "f1": 0.0}
    both = Counter(zip(gold, pred, strict=True))
    gold_size, pred_size = Counter(gold), Counter(pred)
    # Each of the `k` items in a (gold, pred) cell sees k of its pred cluster's items in its gold cluster.
    precision = sum(k * k / pred_size[p] for (_, p), k in both.items()) / len(gold)
    recall = sum(k * k / gold_size[g] for (g, _), k in both.items()) / len(gold)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def load_ecbplus(folder: Path) -> list[tuple[Article, str]]:
    """ECB+ documents as Articles (id = file name) with their gold cluster label 'topic/ecb' or 'topic/ecbplus'.

    The text is the tokens joined by spaces, one line per sentence. ECB+ has no publication date
    field (the ecbplus documents carry a dateline in their text, left there as text), so dates are None.
    The ecbplus documents' first sentence is their URL: it becomes `url`, not text."""
    docs = []
    for path in sorted(Path(folder).glob("*/*.xml"), key=_ecbplus_order):
        sentences: dict[int, list[str]] = {}
        for token in ET.parse(path).getroot().iter("token"):
            sentences.setdefault(int(token.get("sentence", 0)), []).append(token.text or "")
        lines = [" ".join(words) for _, words in sorted(sentences.items())]
        url = lines.pop(0).replace(" ", "") if lines and lines[0].startswith("http") else None
        kind = "ecbplus" if path.stem.endswith("ecbplus") else "ecb"
        docs.append((Article(id=path.name, text="\n".join(lines), url=url, source=str(path)), f"{path.parent.name}/{kind}"))
    return docs


def _ecbplus_order(path: Path) -> tuple[int, int, str]:
    topic, _, rest = path.stem.partition("_")
    number = re.match(r"\d+", rest)
    return int(topic) if topic.isdigit() else 0, int(number.group()) if number else 0, path.stem


def eval_ecbplus(folder: Path, limit: int | None = None) -> dict[str, Any] | None:
    """Cluster all ECB+ documents in `folder` (the ecbplus folder itself) at once; None when it is absent."""
    if not Path(folder).is_dir():
        return None
    docs = load_ecbplus(folder)[:limit]
    if not docs:
        return None
    gold = [label for _, label in docs]
    pred = cluster_articles([article for article, _ in docs])
    score = b_cubed(gold, pred)
    return {"n": len(docs), "clusters_gold": len(set(gold)), "clusters_pred": len(set(pred)),
            "bcubed_precision": score["precision"], "bcubed_recall": score["recall"], "bcubed_f1": score["f1"],
            "target": {"bcubed_f1": 0.85}}
