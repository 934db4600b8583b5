"""Built-in stages; importing this package registers them."""

from . import acled, actors, dates, events, numbers, parse, places, score  # noqa: F401
