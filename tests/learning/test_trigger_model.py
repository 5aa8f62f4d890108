"""Event triggers in the model: the trigger tagger learns from reviewed events, is measured
beside the lexicon, and merges with it by measured precision."""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from khabar.annotate import trigger_model
from khabar.annotate.drafting import load_annotator
from khabar.annotate.models import resolve
from khabar.annotate.preannotate import run
from khabar.annotate.triggers import Trigger
from khabar.cli import app
from khabar.corpus.model import Document
from khabar.corpus.project import Project
from khabar.learning import training as learning

runner = CliRunner()

# «سطا» (robbed) and «نهب» (looted) are not in the lexicon: reviewed events teach them
CLAUSES = (
    ("سطا مسلحون على مصرف في المدينة", "سطا", "ASSAULT"),
    ("نهب لصوص متجرا في السوق", "نهب", "ASSAULT"),
    ("هاجم مسلحون دورية في الطريق", "هاجم", "ASSAULT"),
    ("اعتقلت الشرطة رجلا في الحي", "اعتقلت", "COERCE"),
)


def event_records(n: int, seed: int = 5) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    records = []
    for k in range(n):
        parts, events, offset = [], [], 0
        for clause, word, etype in rng.sample(CLAUSES, 3):
            at = offset + clause.index(word)
            events.append(
                {
                    "type": etype,
                    "realis": "actual",
                    "trigger": {"start": at, "end": at + len(word), "text": word},
                    "arguments": [],
                }
            )
            parts.append(clause + ".")
            offset += len(clause) + 2
        parts.append(f"وهذا الخبر رقم {k}.")  # no two texts alike
        records.append({"id": f"ev{k:03d}", "text": " ".join(parts), "entities": [], "events": events})
    return records


@pytest.fixture
def trained(new_project: Callable[..., Project]) -> Project:
    made = new_project(event_records(30))
    learning.train(made, load_annotator(made), name="t1", folds=3)
    return made


def test_the_trigger_tagger_learns_triggers_the_lexicon_lacks(trained: Project) -> None:
    meta = json.loads((trained.root / "models" / "t1" / "meta.json").read_text())
    assert (trained.root / "models" / "t1" / trigger_model.TRIGGERS_FILE).is_file()
    taught = Counter(e["type"] for r in event_records(30) for e in r["events"])
    assert meta["triggers"] == {"documents": 30, "events": dict(sorted(taught.items()))}
    events = meta["evaluation"]["events"]
    # measured on folds it did not see: the lexicon misses سطا and نهب, the model finds them
    assert events["rules"]["trigger classification"] < 0.7
    assert events["crf"]["trigger classification"] > 0.95
    assert events["combined"]["trigger classification"] > 0.95
    assert meta["evaluation"]["triggers"]["precision"]["crf"]["ASSAULT"] > 0.9

    annotator = load_annotator(trained).with_model(resolve(trained, "latest"))
    layer = run(Document("new", "سطا مجهولون على مصرف في بغداد."), annotator)
    assert [(e.type, e.trigger.text, e.trigger.rule) for e in layer.events] == [("ASSAULT", "سطا", "crf")]


def test_evaluate_split_reports_rules_model_and_both_for_triggers_and_arguments(trained: Project) -> None:
    result = runner.invoke(app, ["evaluate", "--folds", "3", "-P", str(trained.root)])
    assert result.exit_code == 0, result.output
    for name in ("rules", "crf", "combined"):
        assert any(
            line.startswith(name) and "event triggers F1" in line and "arguments F1" in line
            for line in result.output.splitlines()
        ), result.output


def test_a_corpus_without_events_trains_no_trigger_tagger(new_project: Callable[..., Project]) -> None:
    records = [{**r, "events": []} for r in event_records(6)]
    made = new_project(records)
    model = learning.train(made, load_annotator(made), name="e1")
    assert "triggers" not in model.meta
    assert not (model.path / trigger_model.TRIGGERS_FILE).exists()


# --- the merge, on triggers made by hand ----------------------------------------------------


def found(i: int, j: int, etype: str, rule: str) -> tuple[int, int, int, Trigger]:
    return (i, j, i * 10, Trigger(etype, True, 0.5, rule))


LEXICON = [found(0, 2, "AGREE", "lexicon:agree"), found(5, 6, "ASSAULT", "lexicon:assault")]


def measured(crf_precision: float, conflicts: tuple[float, float, int] = (0.0, 0.0, 0)) -> dict[str, Any]:
    rules_right, crf_right, n = conflicts
    return {
        "precision": {"crf": {"ASSAULT": crf_precision, "PROTEST": crf_precision}},
        "spans": {"crf": {"ASSAULT": 100, "PROTEST": 100}},
        "conflicts": {
            "precision": {"rules": {"type": rules_right}, "crf": {"type": crf_right}},
            "spans": {"rules": {"type": n}, "crf": {"type": n}},
        },
    }


def test_the_same_trigger_keeps_the_lexicons_span() -> None:
    merged = trigger_model.merge(LEXICON, [found(1, 2, "AGREE", "crf")], measured(0.9))
    assert merged == LEXICON


def test_a_lone_model_trigger_is_kept_only_where_its_type_is_precise_enough() -> None:
    lone = found(8, 9, "PROTEST", "crf")
    assert lone in trigger_model.merge(LEXICON, [lone], measured(0.9))
    assert trigger_model.merge(LEXICON, [lone], measured(0.2)) == LEXICON


def test_a_type_conflict_goes_to_the_source_right_more_often_where_they_disagreed() -> None:
    rival = found(5, 6, "PROTEST", "crf")
    assert trigger_model.merge(LEXICON, [rival], measured(0.9)) == LEXICON  # nothing measured: the lexicon
    assert trigger_model.merge(LEXICON, [rival], measured(0.9, (0.8, 0.1, 50))) == LEXICON
    merged = trigger_model.merge(LEXICON, [rival], measured(0.9, (0.1, 0.8, 50)))
    assert [(f[0], f[3].type, f[3].rule) for f in merged] == [
        (0, "AGREE", "lexicon:agree"),
        (5, "PROTEST", "crf (over lexicon:assault)"),
    ]


def test_alone_gives_the_models_triggers_only() -> None:
    mine = [found(3, 4, "PROTEST", "crf")]
    assert trigger_model.merge(LEXICON, mine, measured(0.1), alone=True) == mine


def test_a_trigger_the_model_tags_keeps_its_proclitic_outside() -> None:
    assert trigger_model._article_proclitics("والاتفاق") == 1
    assert trigger_model._article_proclitics("وبالاتفاق") == 2
    assert trigger_model._article_proclitics("للاتفاق") == 1
    assert trigger_model._article_proclitics("وقع") == 0
    assert trigger_model._article_proclitics("الاتفاق") == 0


def test_train_prints_the_event_figures(new_project: Callable[..., Project], tmp_path: Path) -> None:
    made = new_project(event_records(12))
    result = runner.invoke(app, ["train", "--folds", "3", "-P", str(made.root)])
    assert result.exit_code == 0, result.output
    assert "event triggers learnt from 12 documents with events" in result.output
    assert "combined  event triggers F1" in result.output
