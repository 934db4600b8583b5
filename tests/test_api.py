from __future__ import annotations

import pytest

import flashpoint
from flashpoint.errors import EmptyInputError, InputError


def test_extract_returns_events_and_dataframe(pipeline):
    events = flashpoint.extract("Police in Lagos arrested 30 suspected gang members on Monday.", date="2024-11-20",
                                pipeline=pipeline)
    df = flashpoint.to_dataframe(events)
    row = df[df.event == "COERCE"].iloc[0]
    assert row.actor_code == "NGA" and row.actor_sector == "COP"
    assert row.arrested == 30 and row.date == "2024-11-18"
    assert row.acled_sub_event_type == "Arrests"
    # ACLED codes arrests at a protest as the protest, with intervention.
    (protest,) = flashpoint.extract("Police in Lagos arrested 30 protesters on Monday.", pipeline=pipeline)
    assert protest.acled == {"event_type": "Protests", "sub_event_type": "Protest with intervention"}


def test_extract_rejects_bad_text_with_coded_errors(pipeline):
    with pytest.raises(EmptyInputError) as exc:
        flashpoint.extract("   ", pipeline=pipeline)
    assert "[E101]" in str(exc.value)
    with pytest.raises(InputError):
        flashpoint.extract("Troops massed.", date="21/11/2024", pipeline=pipeline)


def test_each_stage_runs_alone(pipeline):
    from flashpoint.coding.registry import STAGES
    from flashpoint.model import Article

    art = Article(id="a", text="Israeli jets struck Beirut on Sunday.")
    for name in ("parse", "events"):
        STAGES[name].fn([art], pipeline.resources)
    assert [e.event for e in art.events] == [["ASSAULT"]]
    assert art.events[0].actor == []  # actors are the next stage's job
    STAGES["actors"].fn([art], pipeline.resources)
    assert art.events[0].actor[0].code == "ISR"


def test_unknown_stage_is_a_config_error():
    from flashpoint.errors import ConfigError

    with pytest.raises(ConfigError, match="unknown stage"):
        flashpoint.Pipeline(stages=["parse", "nope"])


def test_user_actor_file_extends_the_list(tmp_path):
    extra = tmp_path / "mine.yaml"
    extra.write_text("actors:\n  - {name: Zorblax Militia, code: COD, sector: REB, kind: organization}\n")
    p = flashpoint.Pipeline(resources=flashpoint.Resources(actor_files=[extra]))
    (ev,) = [e for e in flashpoint.extract("The Zorblax Militia attacked a village in Ituri.", pipeline=p)
             if e.event[0] == "ASSAULT"]
    assert ev.actor[0].code == "COD" and ev.actor[0].sector == "REB" and ev.actor[0].name == "Zorblax Militia"


def test_a_stage_failure_is_kept_to_its_article(monkeypatch):
    from flashpoint.coding.registry import STAGES, Stage
    from flashpoint.model import Article

    def boom(articles, res):
        for a in articles:
            if "boom" in a.text:
                raise RuntimeError("kaboom")

    monkeypatch.setitem(STAGES, "boom", Stage("boom", boom, ("text",), ()))
    p = flashpoint.Pipeline(stages=["parse", "events", "boom"])
    arts = [Article(id=str(i), text=t) for i, t in enumerate(["Israeli jets struck Beirut.", "boom", "Police arrested 5 men."])]
    out = list(p.run(arts))
    assert [a.id for a in out] == ["0", "1", "2"]
    assert out[1].error and "boom" in out[1].error and "kaboom" in out[1].error and out[1].events == []
    assert out[0].error is None and out[0].events and out[2].events
