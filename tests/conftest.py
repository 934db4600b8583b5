from __future__ import annotations

from pathlib import Path

import pytest

from flashpoint.pipeline import Pipeline

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
