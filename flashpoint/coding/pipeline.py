"""The pipeline: named stages run in order over batches of articles.

An article a stage fails on keeps its place in the output with its `error` set; the others of
its batch are coded as if it had not been there.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ..batching import batched
from ..errors import ConfigError, FlashpointError, StageError
from ..model import Article
from ..settings import DEFAULTS
from .registry import STAGES, Resources
from .stages import DEFAULT_STAGES


class Pipeline:
    def __init__(self, stages: Iterable[str] = DEFAULT_STAGES, resources: Resources | None = None,
                 batch_size: int = DEFAULTS.pipeline_batch) -> None:
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

    @property
    def coder_version(self) -> str:
        """The version its events are stored under: the resources' coder, and the stages when
        they are not the built-in ones."""
        names = tuple(st.name for st in self.stages)
        base = self.resources.coder_version
        return base if names == DEFAULT_STAGES else f"{base}+stages.{'.'.join(names)}"

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
