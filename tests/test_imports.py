"""What importing costs: the store, the registry and coder versions load no spaCy."""

from __future__ import annotations

import subprocess
import sys

import flashpoint


def test_the_store_and_the_registry_import_without_spacy():
    code = ("import sys, flashpoint.store.matcher, flashpoint.store, flashpoint.coding.registry, flashpoint.settings;"
            "from flashpoint.coding.version import coder_version; coder_version();"
            "print(sorted(m for m in ('spacy', 'thinc') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_package_names_resolve_on_first_use():
    for name in flashpoint.__all__:
        assert getattr(flashpoint, name) is not None
    assert set(flashpoint.__all__) == {*flashpoint._WHERE, "__version__"}
