from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from flashpoint.coding.pipeline import Pipeline

# The gazetteer is built into a cache folder on first use; tests build their own, once per run,
# so they neither depend on nor touch the user's cache.
os.environ["FLASHPOINT_CACHE"] = tempfile.mkdtemp(prefix="flashpoint-test-cache-")

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"


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
