"""coder_version names everything that changes the events: release, data files, model, the
user's actor files, the stages; `recode` runs when it changes, and only then."""

from __future__ import annotations

from pathlib import Path

import pytest

from flashpoint.cli import main
from flashpoint.coding.pipeline import Pipeline
from flashpoint.coding.registry import Resources
from flashpoint.coding.version import coder_version, model_id
from flashpoint.errors import ConfigError, DataFileError
from flashpoint.ingest import ingest
from flashpoint.store import Store

ACTOR = "actors:\n  - {name: Amina Okafor, aliases: [Okafor], code: NGA, sector: GOV, kind: person, role: \"%s\"}\n"
STORY = "Governor Amina Okafor ordered police to arrest five protesters in Lagos on Monday.\n"


def test_actor_files_change_the_version_by_their_content(tmp_path):
    f = tmp_path / "mine.yaml"
    f.write_text(ACTOR % "Governor of Lagos")
    built_in, with_file = coder_version(), coder_version(actor_files=[f])
    assert with_file.startswith(built_in + "+actors.")
    f.write_text(ACTOR % "Governor of Lagos State")
    assert coder_version(actor_files=[f]) not in (built_in, with_file)


def test_the_model_is_part_of_the_version(tmp_path):
    installed = model_id(None)
    assert installed.rsplit("-", 1)[1][0].isdigit()  # a package and its version, e.g. en_core_web_sm-3.8.0
    assert installed in coder_version()
    assert coder_version(model="xx_other_model") != coder_version()
    folder = tmp_path / "my_model"
    folder.mkdir()
    (folder / "meta.json").write_text('{"lang": "en", "name": "custom", "version": "1.2.0"}')
    assert model_id(str(folder)) == "en_custom-1.2.0"


def test_a_missing_actor_file_is_named():
    with pytest.raises(DataFileError, match="nowhere.yaml"):
        coder_version(actor_files=["nowhere.yaml"])


def test_other_stages_are_another_coder():
    assert Pipeline(stages=["parse", "events"]).coder_version.endswith("+stages.parse.events")
    assert Pipeline().coder_version == Resources().coder_version == coder_version()


def test_a_store_open_for_another_coder_refuses_its_events(tmp_path):
    f = tmp_path / "mine.yaml"
    f.write_text(ACTOR % "Governor of Lagos")
    pipeline = Pipeline(resources=Resources(actor_files=[f]))
    with Store.open(tmp_path / "x.db") as store, pytest.raises(ConfigError, match="coder=pipeline.coder_version"):
        ingest([], store, pipeline)


def test_recode_runs_after_the_actor_file_changes_and_only_then(tmp_path, capsys):
    story, actors, db = tmp_path / "story.txt", tmp_path / "mine.yaml", str(tmp_path / "x.db")
    story.write_text(STORY)
    actors.write_text(ACTOR % "Governor of Lagos")
    assert main(["ingest", str(story), "--db", db, "--date", "2024-11-18", "--quiet"]) == 0
    with Store.open(db, readonly=True) as store:
        (before,) = {e.coder_version for e in store.events()}
    assert main(["recode", "--db", db, "--actors", str(actors)]) == 0
    assert "recoded 1 article(s)" in capsys.readouterr().err
    with Store.open(db, readonly=True) as store:
        after = {e.coder_version for e in store.events()}
        actors_coded = {a.code for e in store.events() for a in e.actor}
    assert after == {coder_version(actor_files=[actors])} != {before}
    assert "NGA" in actors_coded
    assert main(["recode", "--db", db, "--actors", str(actors)]) == 0
    assert "already coded" in capsys.readouterr().err


def test_the_trained_models_are_part_of_the_version():
    import hashlib
    from importlib import resources as importlib_resources

    from flashpoint import __version__

    package = importlib_resources.files("flashpoint")
    digest = hashlib.sha1()
    files = []
    for folder in ("data", "models"):
        root = Path(str(package / folder))
        # Every file below, the dated actor lists included; the evaluation gold codes nothing.
        files += [(f"{folder}/{p.relative_to(root).as_posix()}", p) for p in root.rglob("*")
                  if p.is_file() and "gold" not in p.relative_to(root).parts and "__pycache__" not in p.parts]
    assert any(name.startswith("data/actor_lists/") for name, _ in files)
    for name, path in sorted(files):
        digest.update(name.encode())
        digest.update(path.read_bytes())
    assert {p.name for p in (package / "models").iterdir()} >= {"event_model.npz", "coref_model.npz"}
    assert coder_version().startswith(f"{__version__}+{digest.hexdigest()[:8]}+")
