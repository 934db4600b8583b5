"""flashpoint: news text in, PLOVER political event records out."""

from .api import extract, extract_articles, read_inputs, to_acled_row, to_dataframe
from .coding.pipeline import Pipeline
from .coding.registry import Resources
from .errors import FlashpointError, InputError
from .model import Actor, Article, Dropped, Event, Evidence, Location, Size
from .store import EventQuery, Store

__version__ = "0.1.0"

__all__ = [
    "Actor", "Article", "Dropped", "Event", "EventQuery", "Evidence", "FlashpointError", "InputError", "Location",
    "Pipeline", "Resources", "Size", "Store", "extract", "extract_articles", "read_inputs", "to_acled_row",
    "to_dataframe", "__version__",
]
