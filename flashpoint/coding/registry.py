"""The stage registry: what a stage is, how one is registered, and the resources stages share.

A stage is a plain function over a batch of articles, `stage(articles, resources) -> None`,
registered by name with what it reads and writes (Article fields, or "events.<Event field>"), so
that each can be tested alone, a pipeline can check its order, and engines stay thin.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ConfigError
from ..model import Article, Event
from ..settings import DEFAULTS

if TYPE_CHECKING:
    from spacy.language import Language

    from ..lexicon import AcledRule, CueTable, EventLexicon, PloverScale
    from ..places.gazetteer import Gazetteer
    from .stages.actors import ActorIndex
    from .verifier import LinearModel

StageFn = Callable[[list[Article], "Resources"], None]

_ARTICLE_FIELDS = frozenset(f.name for f in fields(Article))
_EVENT_FIELDS = frozenset(f.name for f in fields(Event))


@dataclass(frozen=True, slots=True)
class Stage:
    name: str
    fn: StageFn
    reads: tuple[str, ...]
    writes: tuple[str, ...]


# Filled as the stage modules are imported; `stage` refuses a second stage of a name.
STAGES: dict[str, Stage] = {}


def check_field(name: str, stage_name: str) -> None:
    """A stage's reads and writes name Article fields, or "events.<Event field>"."""
    head, _, rest = name.partition(".")
    ok = head in _ARTICLE_FIELDS and (not rest or (head == "events" and rest in _EVENT_FIELDS))
    if not ok:
        raise ConfigError(f"stage {stage_name!r} names {name!r}, which is neither an Article field "
                          f"({', '.join(sorted(_ARTICLE_FIELDS))}) nor events.<an Event field>")


def stage(name: str, *, reads: tuple[str, ...], writes: tuple[str, ...]) -> Callable[[StageFn], StageFn]:
    """Register `fn` as the stage `name`; raises ConfigError for a name taken or a field unknown."""
    for f in (*reads, *writes):
        check_field(f, name)

    def register(fn: StageFn) -> StageFn:
        if name in STAGES:
            raise ConfigError(f"a stage named {name!r} is registered already ({STAGES[name].fn.__module__}); "
                              "give yours another name")
        STAGES[name] = Stage(name, fn, tuple(reads), tuple(writes))
        return fn

    return register


class Resources:
    """Models and data files, each loaded on first use and then shared by the stages."""

    # Texts the parser takes at once: on a CPU small batches are as fast as large ones and keep a
    # worker's peak memory some 150 MB lower; a GPU wants large ones.
    CPU_PARSE_BATCH, GPU_PARSE_BATCH = DEFAULTS.cpu_parse_batch, DEFAULTS.gpu_parse_batch

    def __init__(self, *, model: str | None = None, actor_files: Iterable[Path] = (), parse_batch: int = CPU_PARSE_BATCH) -> None:
        self.model_name = model
        self.actor_files = [Path(p) for p in actor_files]
        self.parse_batch = parse_batch

    @cached_property
    def coder_version(self) -> str:
        """What the events coded with these resources are stored as coded by (coding.version)."""
        from .version import coder_version

        return coder_version(model=self.model_name, actor_files=self.actor_files)

    @cached_property
    def nlp(self) -> Language:
        from .nlp import load_spacy

        return load_spacy(self.model_name)

    @cached_property
    def lexicon(self) -> EventLexicon:
        from ..lexicon import EventLexicon

        return EventLexicon.load()

    @cached_property
    def modes(self) -> CueTable:
        from ..lexicon import load_modes

        return load_modes()

    @cached_property
    def contexts(self) -> CueTable:
        from ..lexicon import load_contexts

        return load_contexts()

    @cached_property
    def scale(self) -> PloverScale:
        from ..lexicon import PloverScale

        return PloverScale.load()

    @cached_property
    def acled_rules(self) -> list[AcledRule]:
        from ..lexicon import load_acled_rules

        return load_acled_rules()

    @cached_property
    def actors(self) -> ActorIndex:
        from .stages.actors import ActorIndex

        return ActorIndex.build(self.nlp, extra_actors=self.actor_files)

    @cached_property
    def event_model(self) -> LinearModel:
        from .verifier import EVENT_MODEL, builtin

        return builtin(EVENT_MODEL)

    @cached_property
    def coref_model(self) -> LinearModel:
        from .verifier import COREF_MODEL, builtin

        return builtin(COREF_MODEL)

    @cached_property
    def gazetteer(self) -> Gazetteer:
        from ..places.gazetteer import Gazetteer

        return Gazetteer.load()


