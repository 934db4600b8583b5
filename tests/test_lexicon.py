"""The coder's own data files: well-formed, consistent with PLOVER and ACLED."""

from __future__ import annotations

import pytest

from flashpoint.errors import DataFileError
from flashpoint.lexicon import (
    PLOVER_TYPES,
    EventLexicon,
    PloverScale,
    load_acled_rules,
    load_contexts,
    load_modes,
    load_yaml,
)

ACLED_SUB_EVENTS = {
    "Armed clash", "Government regains territory", "Non-state actor overtakes territory", "Chemical weapon",
    "Air/drone strike", "Suicide bomb", "Shelling/artillery/missile attack", "Remote explosive/landmine/IED",
    "Grenade", "Sexual violence", "Attack", "Abduction/forced disappearance", "Peaceful protest",
    "Protest with intervention", "Excessive force against protesters", "Violent demonstration", "Mob violence",
    "Agreement", "Arrests", "Change to group/activity", "Disrupted weapons use", "Headquarters or base established",
    "Looting/property destruction", "Non-violent transfer of territory", "Other",
}


def test_every_plover_type_has_triggers_and_a_scale():
    lex = EventLexicon.load()
    scale = PloverScale.load()
    covered = {t.type for ts in [*lex.verbs.values(), *lex.nouns.values()] for t in ts}
    assert covered == set(PLOVER_TYPES)
    assert set(scale.quads) == set(PLOVER_TYPES)
    assert {scale.quads[t] for t in PLOVER_TYPES} == {1, 2, 3, 4}


def test_trigger_modes_and_cue_modes_are_plover_modes():
    lex = EventLexicon.load()
    scale = PloverScale.load()
    known = {(t, m) for (t, m) in scale.mode_scales}
    for ts in [*lex.verbs.values(), *lex.nouns.values()]:
        for t in ts:
            assert t.mode is None or (t.type, t.mode) in known, (t.type, t.mode)
    for etype, entries in load_modes().entries.items():
        for mode, _, _ in entries:
            assert (etype, mode) in known, (etype, mode)


def test_word_list_conditions_name_existing_lists():
    lex = EventLexicon.load()
    for ts in [*lex.verbs.values(), *lex.nouns.values()]:
        for t in ts:
            for name in (t.object_in, t.subject_in):
                assert name is None or getattr(lex, name), name


def test_acled_rules_use_acled_wording():
    for rule in load_acled_rules():
        assert rule.type in PLOVER_TYPES
        if rule.acled is not None:
            assert rule.acled[1] in ACLED_SUB_EVENTS, rule.acled


def test_contexts_load():
    assert "military" in {label for label, _, _ in load_contexts().entries["*"]}


def test_a_key_given_twice_is_refused(tmp_path):
    p = tmp_path / "dup.yaml"
    p.write_text("verbs:\n  ASSAULT:\n    fire: {}\n    fire: {mode: firearms}\n")
    with pytest.raises(DataFileError, match="appears twice"):
        load_yaml(p)


def test_unknown_trigger_option_is_a_data_error(tmp_path):
    p = tmp_path / "events.yaml"
    p.write_text("verbs:\n  ASSAULT:\n    strike: {colour: red}\n")
    with pytest.raises(DataFileError, match="strike"):
        EventLexicon.load(p)
