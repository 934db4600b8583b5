"""The trained models: the event model's decisions, within-article coreference, and training."""

from __future__ import annotations

import json

import numpy as np
import pytest

from flashpoint.cli import main
from flashpoint.coding.stages.coref import link
from flashpoint.coding.verifier import EVENT_MODEL, LinearModel, builtin, decide
from flashpoint.errors import DataFileError
from flashpoint.training import DIFFERENT, Pair, fit, save


def test_an_arrest_is_kept_with_a_high_confidence(code):
    rows = code("Police arrested 20 protesters in Lagos on Monday.")
    assert [r["event"] for r in rows] == [["COERCE"]]
    assert rows[0]["confidence"] >= 0.6


def test_a_word_in_another_sense_is_no_attack(code):
    rows = code("The new album was a hit with critics, and the band struck a deal with a label.")
    assert not any(r["event"] == ["ASSAULT"] for r in rows)


def test_a_disaster_is_no_event(code):
    assert code("A powerful earthquake destroyed hundreds of houses in eastern Turkey on Sunday.") == []


def test_negated_violence_is_no_event(code):
    rows = code("No one was killed, police said.")
    assert not any(r["event"] == ["ASSAULT"] for r in rows)


def test_one_shooting_told_three_times_is_one_event_with_three_sentences(code):
    text = ("Gunman kills two at a bar in Dayton.\n\n"
            "A gunman shot and killed two men at a bar in Dayton, Ohio, on Saturday night, police said. "
            "Witnesses said the shooting began shortly after 11 p.m. "
            "The gunman fled in a car and has not been found.")
    rows = [r for r in code(text, date="2023-06-04") if r["event"] == ["ASSAULT"]]
    assert len(rows) == 1
    sentences = rows[0]["sentences"]
    assert len(sentences) >= 2
    assert [s["start"] for s in sentences] == sorted(s["start"] for s in sentences)
    assert all(text[s["start"]:s["end"]] == s["text"] for s in sentences)
    # The figure came from a report of the event, and the record says which.
    assert rows[0]["size"]["dead"] == 2
    assert rows[0]["provenance"]["dead"] in {s["start"] for s in sentences}


def test_two_shootings_of_a_round_up_stay_two_events(code):
    text = ("On March 3, a man was shot dead outside a store in Memphis, Tennessee, police said. "
            "In an unrelated case, on March 9, gunmen shot and wounded a woman in Seattle, Washington.")
    rows = [r for r in code(text, date="2023-03-12") if r["event"] == ["ASSAULT"]]
    assert len(rows) == 2


def test_link_joins_an_event_to_the_one_it_most_probably_repeats():
    same = {(0, 1): 0.2, (0, 2): 0.9, (1, 2): 0.6, (1, 3): 0.8}
    assert link(same, 4, 0.5) == [0, 1, 0, 1]
    assert link(same, 4, 0.95) == [0, 1, 2, 3]


def test_decide_keeps_the_rules_type_or_moves_it_or_drops_the_candidate():
    classes = ("ASSAULT", "COERCE", "NONE", "SAME")
    bias = {"keep": [0, 0, -5, 5], "move": [0, 5, -5, 0], "drop": [0, 0, 5, -5]}
    for case, want in (("keep", "ASSAULT"), ("move", "COERCE"), ("drop", None)):
        model = LinearModel(classes, {}, np.zeros((0, 4), np.float32), np.zeros((0, 4), np.float32),
                            np.zeros(0, np.float32), np.ones(0, np.float32), np.array(bias[case], np.float32),
                            1.0, 0.5, "test")
        (etype, confidence, real), = decide(model, [["rt=ASSAULT"]], model.no_vectors(1), ["ASSAULT"])
        assert etype == want
        if want is not None:
            assert confidence > 0.9 and real > 0.9


def _pairs(seed: int) -> list[Pair]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(60):
        same = bool(rng.integers(2))
        feats = [f"gap={rng.integers(4)}", "lemma=same" if same or rng.random() < 0.2 else "lemma=other"]
        out.append(Pair("a", feats, "SAME" if same else DIFFERENT))
    return out


def test_training_is_deterministic_to_the_byte(tmp_path):
    pairs = _pairs(1)
    for name in ("a.npz", "b.npz"):
        save(fit(pairs, (DIFFERENT, "SAME")), 1.0, 0.5, tmp_path / name)
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()
    model = LinearModel.load(tmp_path / "a.npz")
    probs = model.probabilities([["lemma=same"], ["lemma=other"]], model.no_vectors(2))
    assert probs[0, 1] > probs[1, 1]


def test_a_broken_model_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "event_model.npz"
    bad.write_bytes(b"not a model")
    with pytest.raises(DataFileError, match="flashpoint train"):
        LinearModel.load(bad)


def test_the_shipped_model_is_small_and_calibrated_data():
    model = builtin(EVENT_MODEL)
    assert "NONE" in model.classes and "SAME" in model.classes
    assert 0.0 < model.keep_threshold < 1.0 and model.temperature > 0


def test_extract_min_confidence_filters(tmp_path, capsys):
    src = tmp_path / "a.txt"
    src.write_text("Police arrested 20 protesters in Lagos on Monday.", encoding="utf-8")
    assert main(["extract", "--quiet", str(src)]) == 0
    assert len([json.loads(line) for line in capsys.readouterr().out.splitlines()]) == 1
    assert main(["extract", "--quiet", "--min-confidence", "1", str(src)]) == 0
    assert capsys.readouterr().out == ""
    with pytest.raises(SystemExit) as exc:
        main(["extract", "--min-confidence", "1.5", str(src)])
    assert exc.value.code == 2
    assert "not a probability" in capsys.readouterr().err


def test_a_pipeline_without_contextual_vectors_is_a_config_error_naming_the_option():
    import spacy

    from flashpoint.coding.verifier import candidate_vector
    from flashpoint.errors import ConfigError
    from flashpoint.model import Event, Evidence

    doc = spacy.blank("en")("Police arrested five men.")
    ev = Event(article_id="a", event=["COERCE"], evidence=Evidence(doc.text, 0, len(doc.text)), trigger="arrested",
               trigger_start=7, trigger_i=1)
    with pytest.raises(ConfigError, match="--model"):
        candidate_vector(ev, doc)
