"""The built-in stages, one module each; importing this package registers them.

They run in the order of DEFAULT_STAGES, the one place that order is declared:
parse -> events -> actors -> places -> parties -> dates -> numbers -> verify -> coref -> score -> acled.
"""

from . import acled, actors, coref, dates, events, numbers, parse, parties, places, score, verify  # noqa: F401

# What the rules propose, before the model decides: what hand labels are made against and what
# the model is trained on.
CANDIDATE_STAGES = ("parse", "events", "actors", "places", "parties", "dates", "numbers")
DEFAULT_STAGES = (*CANDIDATE_STAGES, "verify", "coref", "score", "acled")
