"""The built-in stages, one module each; importing this package registers them.

They run in the order of DEFAULT_STAGES, the one place that order is declared:
parse -> events -> actors -> places -> dates -> numbers -> score -> acled.
"""

from . import acled, actors, dates, events, numbers, parse, places, score  # noqa: F401

DEFAULT_STAGES = ("parse", "events", "actors", "places", "dates", "numbers", "score", "acled")
