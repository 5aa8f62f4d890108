"""The CRF tagger, its training and evaluation, and its use beside the rules."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from khabar.annotate import combined, crf, crf_features
from khabar.annotate.drafting import load_annotator, preannotate_corpus
from khabar.annotate.names_again import names_again
from khabar.cli import app
from khabar.corpus.model import Document, Layer, Provenance, Span
from khabar.corpus.project import Project
from khabar.learning import training as learning
from khabar.quality.evaluate import evaluate
from khabar.text.word_frequency import zipf_bands
from tests.helpers import generated, write_jsonl

runner = CliRunner()


@pytest.fixture
def trained(new_project: Callable[..., Project]) -> tuple[Project, crf.Model]:
    made = new_project(generated(80))
    return made, learning.train(made, load_annotator(made), name="m1")


def test_the_model_learns_what_the_rules_miss_and_records_its_scores(
    trained: tuple[Project, crf.Model],
) -> None:
    made, _ = trained
    assert (made.root / "models" / "latest").read_text().strip() == "m1"
    meta = json.loads((made.root / "models" / "m1" / "meta.json").read_text())
    assert meta["khabar"] and meta["data"]["documents"] == 80 and meta["data"]["entities"]["PER"] == 240
    assert meta["word_frequencies"] == "wordfreq 3.1.1, large_ar.msgpack.gz"
    scores = meta["evaluation"]["f1"]
    assert scores["crf"] > scores["rules"] + 0.2 and scores["combined"] >= scores["crf"] - 0.02
    evaluation = meta["evaluation"]
    assert evaluation["precision"]["crf"]["PER"] > 0.9 and evaluation["spans"]["crf"]["PER"] >= 10


def test_cross_validation_scores_rules_model_and_both(trained: tuple[Project, crf.Model]) -> None:
    made, _ = trained
    results = learning.cross_validate(made, load_annotator(made), folds=3)
    assert set(results) == {"rules", "crf", "combined"}
    assert results["crf"].exact["overall"].f1 > results["rules"].exact["overall"].f1
    assert results["crf"].documents == 80


PLACES = ("روسيا", "فرنسا", "مصر", "اليابان", "كندا", "تركيا")


def places_as(records: list[dict[str, Any]], label: str | None) -> list[dict[str, Any]]:
    """The same records with their places annotated as ``label`` (None: not annotated)."""
    return [
        {
            **r,
            "entities": [
                {**e, "label": label if e["label"] == "GPE" else e["label"]}
                for e in r["entities"]
                if e["label"] != "GPE" or label is not None
            ],
        }
        for r in records
    ]


def combined_over_halves(
    new_project: Callable[..., Project],
    tmp_path: Path,
    taught: str | None,
    first: str | None,
    second: str | None,
) -> list[tuple[Document, Layer | None, Layer]]:
    """Rules and a model trained on 20 documents with places annotated as ``taught``,
    combined over 20 held-out documents: 10 with places as ``first``, 10 as ``second``."""
    records = generated(40)
    made = new_project(
        places_as(records[:20], taught) + places_as(records[20:30], first) + places_as(records[30:], second)
    )
    annotator = load_annotator(made)
    pairs = {doc.id: (doc, layer) for doc, layer in learning.human_pairs(made)}
    model = crf.train(
        [pairs[r["id"]] for r in records[:20]], crf_features.Featurizer(annotator.entities), tmp_path / "m"
    )
    return learning.held_out(annotator, [(model, [pairs[r["id"]] for r in records[20:]])])["combined"]


def labels_of_places(scored: list[tuple[Document, Layer | None, Layer]]) -> set[str]:
    return {s.label for _, layer, _ in scored if layer for s in layer.entities if s.text in PLACES}


def test_both_together_are_scored_by_precision_measured_on_other_documents(
    new_project: Callable[..., Project], tmp_path: Path
) -> None:
    """A model taught that places are organisations disagrees with the place list at every
    place. Half the held-out gold agrees with the list, half with the model: each half must
    be decided by the precision the other half measured, so each goes the wrong way; had it
    used its own, each would score perfectly and the score would flatter the combination."""
    combined = combined_over_halves(new_project, tmp_path, "ORG", "GPE", "ORG")
    assert labels_of_places(combined[:10]) == {"ORG"}  # the list was right here, but not in the other half
    assert labels_of_places(combined[10:]) == {"GPE"}
    scores = evaluate(combined)
    assert scores.exact["GPE"].tp == scores.exact["ORG"].tp == 0 and scores.exact["ORG"].fn == 30


def test_a_name_only_one_source_marks_is_kept_even_where_such_names_were_wrong(
    new_project: Callable[..., Project], tmp_path: Path
) -> None:
    """A model taught that places are no entities leaves every place to the list alone;
    they stay in the drafts even where the gold had none, because deleting a wrong draft
    costs an annotator less than adding a missing one (and dropping them lost 0.04 F1 on
    ANERcorp text of another kind than the training part, docs/learning.md)."""
    combined = combined_over_halves(new_project, tmp_path, None, "GPE", None)
    assert labels_of_places(combined[:10]) == labels_of_places(combined[10:]) == {"GPE"}


def test_a_precision_measured_on_few_spans_is_pulled_toward_the_default(
    trained: tuple[Project, crf.Model],
) -> None:
    made, model = trained
    finder = load_annotator(made).entities

    def decided(precision: float, spans: int | None) -> float:
        evaluation: dict[str, Any] = {"precision": {"crf": {"PER": precision}}}
        if spans is not None:
            evaluation["spans"] = {"crf": {"PER": spans}}
        meta = {**model.meta, "evaluation": evaluation}
        return combined.Combined(crf.Model(model.path, meta), finder)._precision("crf", "PER")

    default = combined.DEFAULT_PRECISION["crf"]
    assert decided(0.0, 1) > 0.6 and decided(1.0, 1) < 0.9  # one span decides little
    assert decided(0.0, 1000) < 0.01 and decided(1.0, 1000) > 0.99  # many decide
    assert decided(0.3, None) == 0.3  # a model that did not record its counts: as measured
    assert (
        combined.Combined(crf.Model(model.path, {**model.meta, "evaluation": {}}), finder)._precision(
            "crf", "PER"
        )
        == default
    )


def test_preannotate_with_the_model_records_which_source_won(trained: tuple[Project, crf.Model]) -> None:
    made, _ = trained
    preannotate_corpus(made, model="latest")
    (doc, layers), *_ = made.store().items()
    pre = next(x for x in layers if x.kind == "pre")
    assert "+m1" in (pre.provenance.version or "")
    rules = {s.rule for s in pre.entities}
    assert "crf" in rules or any(r and "(over" in r for r in rules)
    people = [s for s in pre.entities if s.label == "PER"]
    assert len(people) == 3 and all(doc.text[s.start : s.end] == s.text for s in people)


def test_uncertainty_is_higher_on_unfamiliar_text(trained: tuple[Project, crf.Model]) -> None:
    made, model = trained
    annotator = load_annotator(made)
    featurizer, tagger = crf_features.Featurizer(annotator.entities), model.tagger()
    familiar = Document("f", generated(1, seed=99)[0]["text"])
    strange = Document(
        "s", "تتناول الورقة البحثية أثر التغير المناخي على زراعة القمح في السهول الشمالية وأسعار العلف"
    )
    assert crf.predict(strange, featurizer, tagger)[1] > crf.predict(familiar, featurizer, tagger)[1]


def text(features: list[crf_features.Feature]) -> list[str]:
    """A training featurizer's features of a token (str: only tagging hands crfsuite bytes)."""
    assert all(isinstance(f, str) for f in features), features
    return [f for f in features if isinstance(f, str)]


def test_tagging_with_only_the_known_features_changes_nothing(trained: tuple[Project, crf.Model]) -> None:
    made, model = trained
    finder = load_annotator(made).entities
    full, (lean, tagger) = crf_features.Featurizer(finder), model.tagging(finder)
    known = lean.known
    assert known is not None
    docs = [doc for doc, _ in made.store().items()][:20]
    docs.append(Document("s", "قال الرئيس فلاديمير بوتين في موسكو إن «الناتو» يهدد روسيا، وردت واشنطن."))
    kept = made_in_all = 0
    for doc in docs:
        for lean_sentence, full_sentence in zip(lean.sentences(doc), full.sentences(doc), strict=True):
            for lean_features, full_features in zip(
                lean_sentence.features, full_sentence.features, strict=True
            ):
                # the same features in the same order (crfsuite adds weights in that order)
                # handed to crfsuite as bytes
                assert lean_features == [f.encode() for f in text(full_features) if f in known]
                kept += len(lean_features)
                made_in_all += len(full_features)
        assert crf.predict(doc, lean, tagger) == crf.predict(doc, full, tagger)
    assert 0 < kept < made_in_all


def test_listed_first_names_and_nisba_surnames_are_features(new_project: Callable[..., Project]) -> None:
    """A person the lists do not hold often has a listed first name, or a surname of the
    form «ال…ي»: features a model learns from on real news (ANERcorp, docs/learning.md)."""
    featurizer = crf_features.Featurizer(load_annotator(new_project()).entities)
    doc = Document("d", "وقال ومحمد الربيعي إن الاتفاق")
    (sentence,) = featurizer.sentences(doc)
    features = {doc.text[a:b]: text(f) for (a, b), f in zip(sentence.spans, sentence.features, strict=True)}
    assert "first-name" in features["ومحمد"] and "first-name" not in features["وقال"]
    assert "first-name+1" in features["وقال"] and "first-name-1" in features["الربيعي"]
    assert "nisba" in features["الربيعي"] and "nisba" not in features["الاتفاق"]


def test_the_derived_name_lists_and_common_words_are_features(new_project: Callable[..., Project]) -> None:
    """Given names and surnames with their frequency band, for the token and as a neighbour
    (a given name followed by a surname is a name sequence), behind a proclitic too; and
    function words, which no name is."""
    finder = load_annotator(new_project()).entities
    lists = finder.gazetteer
    given, common = next((n, b) for n, b in lists.given.items() if n not in lists.surnames and " " not in n)
    surname, band = next((n, b) for n, b in lists.surnames.items() if n not in lists.given and " " not in n)
    doc = Document("d", f"وقال و{given} {surname} في الاتفاق")
    (sentence,) = crf_features.Featurizer(finder).sentences(doc)
    features = {doc.text[a:b]: text(f) for (a, b), f in zip(sentence.spans, sentence.features, strict=True)}
    assert f"given={common}" in features["و" + given] and f"surname={band}+1" in features["و" + given]
    assert f"surname={band}" in features[surname] and f"given={common}-1" in features[surname]
    assert "common" in features["في"] and not [
        f for f in features["الاتفاق"] if f.startswith(("given", "surname"))
    ]


def test_how_common_a_word_is_is_a_feature_of_it_and_of_its_stem(
    new_project: Callable[..., Project],
) -> None:
    """The Zipf band of a token, and of its reading without proclitics: a common word and
    a rare name the model never saw differ by it (khabar.text.word_frequency)."""
    bands = zipf_bands()
    doc = Document("d", "وقال فينوجرادوف في الاتفاق")
    (sentence,) = crf_features.Featurizer(load_annotator(new_project()).entities).sentences(doc)
    features = {doc.text[a:b]: text(f) for (a, b), f in zip(sentence.spans, sentence.features, strict=True)}
    assert "zipf=7" in features["في"]
    assert (
        f"zipf={bands.band('فينوجرادوف')}" in features["فينوجرادوف"]
        and "zipf=7" not in features["فينوجرادوف"]
    )
    assert f"zipf={bands.band('وقال')}" in features["وقال"]
    assert f"stem-zipf={bands.band('قال')}" in features["وقال"] and bands.band("قال") > bands.band("وقال")


def test_prefixes_suffixes_length_and_word_pairs_are_features(new_project: Callable[..., Project]) -> None:
    """One to four letters of each end of a token, its length, and the token with each
    neighbour (docs/learning.md: on ANERcorp they moved the model from 0.742 to 0.760)."""
    doc = Document("d", "قال سمير بن لادن")
    (sentence,) = crf_features.Featurizer(load_annotator(new_project()).entities).sentences(doc)
    features = {doc.text[a:b]: text(f) for (a, b), f in zip(sentence.spans, sentence.features, strict=True)}
    assert {"p1=س", "p2=سم", "p3=سمي", "p4=سمير", "s1=ر", "s2=ير", "s4=سمير", "len=4"} <= set(
        features["سمير"]
    )
    assert {"bg-=سمير بن", "bg+=بن لادن"} <= set(features["بن"])
    assert "bg-=BOS قال" in features["قال"] and "bg+=لادن EOS" in features["لادن"]


def test_a_known_word_pair_is_found_with_a_ligature_that_spells_several_words(
    new_project: Callable[..., Project],
) -> None:
    """Tagging looks a pair up by its two forms; «ﷺ» normalises to four words with spaces,
    so the pair's feature string could be cut in more than one place."""
    finder = load_annotator(new_project()).entities
    doc = Document("d", "قال النبي ﷺ في الحديث")
    full = crf_features.Featurizer(finder)
    made = [[text(features) for features in s.features] for s in full.sentences(doc)]
    assert any(f.startswith("bg-=") and f.count(" ") > 1 for features in made[0] for f in features)
    lean = crf_features.Featurizer(
        finder, frozenset(f for sentence in made for features in sentence for f in features)
    )
    encoded = [[[f.encode() for f in features] for features in sentence] for sentence in made]
    assert [s.features for s in lean.sentences(doc)] == encoded


def test_ignore_proclitics_scores_anercorp_style_spans() -> None:
    doc = Document("d", "انضمام لأوكرانيا")
    gold = Layer("d", "gold", "gold", doc.sha256, Provenance("g"), (Span(7, 16, "GPE", "لأوكرانيا"),))
    predicted = Layer("d", "pre", "pre", doc.sha256, Provenance("p"), (Span(8, 16, "GPE", "أوكرانيا"),))
    assert evaluate([(doc, predicted, gold)]).exact["overall"].f1 == 0
    assert evaluate([(doc, predicted, gold)], ignore_proclitics=True).exact["overall"].f1 == 1


def layer_of(doc: Document, kind: str, *spans: Span) -> Layer:
    """A layer named and kinded ``kind`` over ``doc`` holding ``spans``."""
    return Layer(doc.id, kind, kind, doc.sha256, Provenance(kind), spans)


def test_labels_the_gold_does_not_annotate_can_be_left_out_of_the_scores(
    new_project: Callable[..., Project], tmp_path: Path
) -> None:
    doc = Document("d", "قال بوتين أمس في موسكو")
    gold = layer_of(doc, "gold", Span(4, 9, "PER", "بوتين"))
    predicted = layer_of(
        doc, "pre", Span(4, 9, "PER", "بوتين"), Span(10, 13, "DATE", "أمس"), Span(17, 22, "GPE", "موسكو")
    )
    every = evaluate([(doc, predicted, gold)])
    assert (every.exact["overall"].fp, every.exact["DATE"].fp) == (2, 1)
    some = evaluate([(doc, predicted, gold)], labels={"PER", "GPE"})
    assert set(some.exact) == {"PER", "GPE", "overall"}
    assert (some.exact["overall"].tp, some.exact["overall"].fp) == (1, 1)
    assert [e.predicted for e in some.errors] == ["GPE «موسكو» 17:22"]
    # the command line takes them comma-separated and refuses one the scheme lacks
    made = new_project([{"id": "d", "text": doc.text}])
    preannotate_corpus(made)
    gold_file = tmp_path / "gold.jsonl"
    write_jsonl(
        gold_file,
        [
            {
                "id": "d",
                "text": doc.text,
                "entities": [{"start": 4, "end": 9, "label": "PER", "text": "بوتين"}],
            }
        ],
    )
    args = ["evaluate", "--gold", str(gold_file), "-P", str(made.root)]
    result = runner.invoke(app, [*args, "--labels", "PER"])
    assert result.exit_code == 0, result.output
    assert "DATE" not in result.output and "overall     1.000  1.000  1.000" in result.output
    refused = runner.invoke(app, [*args, "--labels", "PER,PERS"])
    assert refused.exit_code == 1 and "--labels: PERS is not an entity label" in refused.stderr
    assert runner.invoke(app, [*args, "--labels", "PER,GPE+LOC"]).exit_code == 0
    refused = runner.invoke(app, [*args, "--labels", "PER,GPE+PLACE"])
    assert refused.exit_code == 1 and "--labels: PLACE is not an entity label" in refused.stderr


def test_a_corpus_with_one_label_for_places_folds_ours_into_it() -> None:
    """ANERcorp's LOC is read as GPE: its «أفريقيا» is a GPE span where the rules draft the
    continent as LOC. With ``GPE+LOC`` the two count as one label, as the issue scores it."""
    doc = Document("d", "زار أفريقيا ثم موسكو")
    gold = layer_of(doc, "gold", Span(4, 11, "GPE", "أفريقيا"), Span(15, 20, "GPE", "موسكو"))
    predicted = layer_of(doc, "pre", Span(4, 11, "LOC", "أفريقيا"), Span(15, 20, "GPE", "موسكو"))
    apart = evaluate([(doc, predicted, gold)], labels={"GPE"})
    assert (apart.exact["overall"].tp, apart.exact["overall"].fn) == (1, 1)
    folded = evaluate([(doc, predicted, gold)], labels={"GPE+LOC"})
    assert set(folded.exact) == {"GPE", "overall"} and folded.exact["overall"].f1 == 1


def test_events_are_scored_only_against_gold_that_has_events(
    new_project: Callable[..., Project], tmp_path: Path
) -> None:
    """An imported NER corpus annotates no events: scoring the drafts' events against it
    would print zeros that say nothing. They are counted instead."""
    text = "التقى بوتين أردوغان في موسكو أمس"
    made = new_project([{"id": "d", "text": text}])
    preannotate_corpus(made)
    ((_doc, (pre,)),) = made.store().items()
    assert pre.events
    entity = {"start": 6, "end": 11, "label": "PER", "text": "بوتين"}
    gold_file = tmp_path / "gold.jsonl"
    args = ["evaluate", "--gold", str(gold_file), "-P", str(made.root)]

    write_jsonl(gold_file, [{"id": "d", "text": text, "entities": [entity]}])
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert f"events: not scored, the gold has none (the layer has {len(pre.events)})" in result.output
    assert "trigger classification" not in result.output

    trigger = {"start": 0, "end": 5, "text": "التقى"}
    event = {"type": "CONSULT", "trigger": trigger, "realis": "actual", "arguments": []}
    write_jsonl(gold_file, [{"id": "d", "text": text, "entities": [entity], "events": [event]}])
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "trigger classification" in result.output and "not scored" not in result.output


def test_train_scores_only_the_labels_asked_for(new_project: Callable[..., Project]) -> None:
    made = new_project(generated(80))
    result = runner.invoke(app, ["train", "--labels", "PER", "--name", "per", "-P", str(made.root)])
    assert result.exit_code == 0, result.output
    assert "entity F1 (PER):" in result.output
    meta = json.loads((made.root / "models" / "per" / "meta.json").read_text(encoding="utf-8"))
    assert meta["evaluation"]["labels"] == ["PER"]
    assert {label for scores in meta["evaluation"]["precision"].values() for label in scores} == {"PER"}
    every = learning.train(made, load_annotator(made), name="every").meta["evaluation"]
    assert every["labels"] is None and "GPE" in every["precision"]["rules"]
    assert every["f1"]["rules"] != meta["evaluation"]["f1"]["rules"]


def test_evaluate_folds_cross_validates_from_the_command_line(
    new_project: Callable[..., Project], tmp_path: Path
) -> None:
    made = new_project(generated(40))
    figures = tmp_path / "cv.json"
    args = ["evaluate", "--folds", "3", "--labels", "PER,GPE", "--json", str(figures), "-P", str(made.root)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("3-fold cross-validation of the human-annotated documents")
    assert "GPE, PER only" in result.output
    rows = {line.split()[0]: line for line in result.output.splitlines()[1:]}
    assert set(rows) == {"rules", "crf", "combined"} and "DATE" not in result.output
    scores = json.loads(figures.read_text(encoding="utf-8"))
    per = {name: figures_["entities"]["exact"]["PER"]["f1"] for name, figures_ in scores.items()}
    assert per["crf"] > per["rules"]
    both = runner.invoke(app, ["evaluate", "--folds", "3", "--gold", str(figures), "-P", str(made.root)])
    assert both.exit_code == 1 and "give one" in both.stderr


def test_train_can_measure_on_folds_of_every_document(new_project: Callable[..., Project]) -> None:
    """A small project's test split holds a few documents; folds measure on all of them."""
    made = new_project(generated(30))
    result = runner.invoke(app, ["train", "--folds", "3", "--name", "cv", "-P", str(made.root)])
    assert result.exit_code == 0, result.output
    assert "on 30 held-out documents (3-fold cross-validation)" in result.output
    evaluation = json.loads((made.root / "models" / "cv" / "meta.json").read_text(encoding="utf-8"))[
        "evaluation"
    ]
    assert evaluation["folds"] == 3 and evaluation["documents"] == 30
    assert evaluation["spans"]["crf"]["PER"] >= 80  # three persons a document, nearly all found
    split = learning.train(made, load_annotator(made), name="split").meta["evaluation"]
    assert split["folds"] is None and split["documents"] < 30


def test_train_without_human_layers_says_what_to_do(new_project: Callable[..., Project]) -> None:
    made = new_project([{"id": "a", "text": "نص بلا تعليق"}])
    result = runner.invoke(app, ["train", "-P", str(made.root)])
    assert result.exit_code == 1 and "no document has a gold or reviewed layer" in result.stderr


def test_a_name_the_model_tagged_once_is_tagged_where_it_recurs(new_project: Callable[..., Project]) -> None:
    """A CRF reads a sentence at a time: «الرياحنة» tagged in one sentence is drafted where
    the document has it again untagged, behind a proclitic too (cut off, as the guidelines
    say), and so is a name of two words; a name tagged with two labels is not, nor a
    function word, nor a word inside a span the model already drew."""
    featurizer = crf_features.Featurizer(load_annotator(new_project()).entities)
    text = "سجل الرياحنة هدفا. وقال والرياحنة إن كوفي أنان في عمان ثم في كوفي أنان وعمان. نادي الرياحنة"
    doc = Document("d", text)
    sentences = featurizer.sentences(doc)
    spans = [s for sentence in sentences for s in sentence.spans]
    forms = [f for sentence in sentences for f in sentence.forms]

    def at(word: str, nth: int = 0) -> tuple[int, int]:
        start = -1
        for _ in range(nth + 1):
            start = text.index(word, start + 1)
        return start, start + len(word)

    found = [
        (*at("الرياحنة"), "PER", 0.9),
        (*at("كوفي أنان"), "PER", 0.8),
        (*at("عمان"), "GPE", 0.7),
        (*at("عمان", 1), "ORG", 0.6),
        (*at("في"), "ORG", 0.5),
        (*at("نادي الرياحنة"), "ORG", 0.4),
    ]
    again = names_again(text, spans, forms, found, featurizer)
    assert sorted(again) == [(*at("الرياحنة", 1), "PER", 0.9), (*at("كوفي أنان", 1), "PER", 0.8)]
    assert text[again[0][0] - 1] == "و"
    assert names_again(text, spans, forms, [], featurizer) == []
