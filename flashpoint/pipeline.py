"""Stages registered by name, the resources they share, and the pipeline that runs them.

A stage is a plain function over a batch of articles: `stage(articles, resources) -> None`.
It declares what it reads and writes, so each can be tested alone and engines stay thin.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from .article import Article
from .batching import batched
from .errors import ConfigError, FlashpointError

if TYPE_CHECKING:
    from spacy.language import Language

    from .gazetteer import Gazetteer
    from .lexicon import AcledRule, CueTable, EventLexicon, PloverScale
    from .stages.actors import ActorIndex


class StageError(FlashpointError):
    """A stage raised on an article: a bug to report, kept to that one article."""

    code = "E500"

    def __init__(self, stage_name: str, exc: Exception) -> None:
        super().__init__(f"stage {stage_name!r} failed: {type(exc).__name__}: {exc}; please report this with the input")
        self.stage = stage_name

StageFn = Callable[[list[Article], "Resources"], None]


@dataclass(frozen=True, slots=True)
class Stage:
    name: str
    fn: StageFn
    reads: tuple[str, ...]
    writes: tuple[str, ...]


STAGES: dict[str, Stage] = {}
DEFAULT_STAGES = ("parse", "events", "actors", "places", "dates", "numbers", "score", "acled")


def stage(name: str, *, reads: tuple[str, ...], writes: tuple[str, ...]) -> Callable[[StageFn], StageFn]:
    def register(fn: StageFn) -> StageFn:
        STAGES[name] = Stage(name, fn, reads, writes)
        return fn

    return register


class Resources:
    """Models and data files, each loaded on first use and then shared by the stages."""

    # Texts the parser takes at once: on a CPU small batches are as fast as large ones and keep a
    # worker's peak memory some 150 MB lower; a GPU wants large ones.
    CPU_PARSE_BATCH, GPU_PARSE_BATCH = 8, 128

    def __init__(self, *, model: str | None = None, actor_files: Iterable[Path] = (), parse_batch: int = CPU_PARSE_BATCH) -> None:
        self.model_name = model
        self.actor_files = [Path(p) for p in actor_files]
        self.parse_batch = parse_batch

    @cached_property
    def nlp(self) -> Language:
        from .nlp import load_spacy

        return load_spacy(self.model_name)

    @cached_property
    def lexicon(self) -> EventLexicon:
        from .lexicon import EventLexicon

        return EventLexicon.load()

    @cached_property
    def modes(self) -> CueTable:
        from .lexicon import load_modes

        return load_modes()

    @cached_property
    def contexts(self) -> CueTable:
        from .lexicon import load_contexts

        return load_contexts()

    @cached_property
    def scale(self) -> PloverScale:
        from .lexicon import PloverScale

        return PloverScale.load()

    @cached_property
    def acled_rules(self) -> list[AcledRule]:
        from .lexicon import load_acled_rules

        return load_acled_rules()

    @cached_property
    def actors(self) -> ActorIndex:
        from .stages.actors import ActorIndex

        return ActorIndex.build(self.nlp, extra_actors=self.actor_files, gazetteer=self.gazetteer)

    @cached_property
    def gazetteer(self) -> Gazetteer:
        from .gazetteer import Gazetteer

        return Gazetteer.load()


class Pipeline:
    def __init__(self, stages: Iterable[str] = DEFAULT_STAGES, resources: Resources | None = None,
                 batch_size: int = 32) -> None:
        from . import stages as _  # noqa: F401  (registers the built-in stages)

        names = list(stages)
        unknown = [n for n in names if n not in STAGES]
        if unknown:
            raise ConfigError(f"unknown stage(s) {unknown}; known: {sorted(STAGES)}")
        self.stages = [STAGES[n] for n in names]
        available = {"text", "date", "title", "url"}
        for st in self.stages:
            missing = [r for r in st.reads if r not in available]
            if missing:
                makers = sorted({s.name for s in STAGES.values() if set(s.writes) & set(missing)})
                raise ConfigError(f"stage {st.name!r} reads {missing}, which no earlier stage writes; "
                                  f"put {makers} before it")
            available.update(st.writes)
        self.resources = resources or Resources()
        self.batch_size = batch_size

    def run_batch(self, batch: list[Article]) -> list[Article]:
        for st in self.stages:
            try:
                st.fn(batch, self.resources)
            except FlashpointError:
                raise
            except Exception as exc:
                raise StageError(st.name, exc) from exc
        return batch

    def run(self, articles: Iterable[Article]) -> Iterator[Article]:
        """Code articles in batches. An article a stage fails on is yielded with no events and
        its `error` set, naming the stage; the rest of its batch is coded one by one."""
        for batch in batched(articles, self.batch_size):
            try:
                yield from self.run_batch(batch)
            except StageError:
                for article in batch:
                    try:
                        self.run_batch([article])
                    except StageError as exc:
                        article.events = []
                        article.error = str(exc)
                    yield article
