from __future__ import annotations

import os
from pathlib import Path

import pytest

from flashpoint.coding.pipeline import Pipeline

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"

# The gazetteer is built into a cache folder on first use. Tests keep their own in the checkout,
# so they neither depend on nor touch the user's cache, and later runs reuse it: its file name
# carries a digest of everything the build reads, so a changed builder builds a new one.
os.environ["FLASHPOINT_CACHE"] = str(ROOT / ".cache" / "test")


@pytest.fixture(scope="session")
def pipeline() -> Pipeline:
    return Pipeline()


@pytest.fixture(scope="session")
def code(pipeline):
    """Code a text; returns the list of PLOVER dicts."""
    from flashpoint.api import extract

    def run(text: str, date: str = "2024-11-20"):
        return [e.to_plover() for e in extract(text, date=date, pipeline=pipeline)]

    return run


def needs_shared(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"development data not present: {path}")
    return path
