"""flashpoint: news text in, PLOVER political event records out.

The names below are imported on first use, so that `import flashpoint.store` (or reading a
store, or the CLI's --help) does not load spaCy and the coder.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_WHERE = {
    "extract": "api", "extract_articles": "api", "read_inputs": "api", "to_acled_row": "api", "to_dataframe": "api",
    "Pipeline": "coding.pipeline", "Resources": "coding.registry", "FlashpointError": "errors", "InputError": "errors",
    "Actor": "model", "Article": "model", "Dropped": "model", "Event": "model", "Evidence": "model",
    "Location": "model", "Size": "model", "EventQuery": "store", "Store": "store",
}

__all__ = [
    "Actor", "Article", "Dropped", "Event", "EventQuery", "Evidence", "FlashpointError", "InputError", "Location",
    "Pipeline", "Resources", "Size", "Store", "__version__", "extract", "extract_articles", "read_inputs",
    "to_acled_row", "to_dataframe",
]

if TYPE_CHECKING:
    from .api import extract, extract_articles, read_inputs, to_acled_row, to_dataframe
    from .coding.pipeline import Pipeline
    from .coding.registry import Resources
    from .errors import FlashpointError, InputError
    from .model import Actor, Article, Dropped, Event, Evidence, Location, Size
    from .store import EventQuery, Store


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'flashpoint' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
