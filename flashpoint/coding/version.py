"""The coder's version: what stored events were coded with, so that `recode` knows when to run.

A coder is flashpoint's release, its data files (lexicons, mappings, the actor list), its trained
event model (`models/`), the spaCy pipeline that parses and the user's own actor files: change any of them and the same article may
give other events.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import json
from collections.abc import Iterable
from importlib import resources as importlib_resources
from pathlib import Path

from ..errors import DataFileError
from .nlp import MODEL_CANDIDATES


def coder_version(*, model: str | None = None, actor_files: Iterable[str | Path] = ()) -> str:
    """e.g. "0.1.0+1a2b3c4d+en_core_web_sm-3.8.0", with "+actors.<digest>" when actor files are given."""
    parts = [_release_and_data(), model_id(model)]
    files = [Path(p) for p in actor_files]
    if files:
        digest = hashlib.sha1()
        for path in files:
            try:
                digest.update(path.read_bytes())
            except OSError as exc:
                raise DataFileError(f"cannot be read: {exc.strerror}", source=str(path)) from None
        parts.append(f"actors.{digest.hexdigest()[:8]}")
    return "+".join(parts)


@functools.cache
def _release_and_data() -> str:
    from .. import __version__

    digest = hashlib.sha1()
    package = importlib_resources.files("flashpoint")
    for folder in ("data", "models"):
        for name, item in sorted(_files(package / folder, folder)):
            digest.update(name.encode())
            digest.update(item.read_bytes())
    return f"{__version__}+{digest.hexdigest()[:8]}"


def _files(folder, prefix: str):
    """(relative name, file) for every file under `folder` and its subfolders (actor_lists/), but
    not the evaluation gold, which codes nothing."""
    for item in folder.iterdir():
        name = f"{prefix}/{item.name}"
        if item.is_file():
            yield name, item
        elif item.is_dir() and item.name not in ("__pycache__", "gold"):
            yield from _files(item, name)


@functools.cache
def model_id(name: str | None) -> str:
    """The spaCy pipeline `load_spacy(name)` would load, as package-version, found without loading
    it (a store is opened far more often than a model is needed)."""
    for candidate in [name] if name else MODEL_CANDIDATES:
        meta = Path(candidate) / "meta.json"
        if meta.is_file():  # a pipeline folder given by path
            info = json.loads(meta.read_text(encoding="utf-8"))
            return f"{info.get('lang', 'xx')}_{info.get('name', Path(candidate).name)}-{info.get('version', '0')}"
        try:
            return f"{candidate}-{importlib.metadata.version(candidate)}"
        except importlib.metadata.PackageNotFoundError:
            continue
    # None installed: coding will fail with ModelNotFoundError; the version still names what was asked.
    return name or "no-model"
