"""The rules' labels, event types and roles against the scheme: declared once, checked at load."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path
from typing import Any

import pytest
import yaml

from khabar.annotate import labels
from khabar.annotate.preannotate import ENTITY_RULES, EVENT_RULES, RULE_MODULES, Annotator
from khabar.corpus.scheme import Scheme
from khabar.errors import SchemeError
from tests.helpers import ROOT

SCHEME = ROOT / "schemas" / "scheme.yaml"
PACKAGE = ROOT / "src" / "khabar"
#: the names the rules spell, by the constants of khabar.annotate.labels
CONSTANTS = {name: value for name, value in vars(labels).items() if name.isupper() and isinstance(value, str)}


def scheme_without(tmp_path: Path, entity: str | None = None, event: str | None = None) -> Scheme:
    """The shipped scheme with one entity label (and its uses in roles) or event type left out."""
    data: dict[str, Any] = yaml.safe_load(SCHEME.read_text(encoding="utf-8"))
    if entity is not None:
        del data["entities"][entity]
        for role in data["roles"].values():
            role["entities"] = [label for label in role["entities"] if label != entity]
    if event is not None:
        del data["events"][event]
    path = tmp_path / "schemas" / "scheme.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return Scheme.load(path)


def test_the_shipped_scheme_defines_what_the_rules_use() -> None:
    assert Annotator.load().events is not None
    assert Annotator.load(scheme=Scheme.load(SCHEME)).events is not None


def test_a_scheme_without_a_label_the_rules_use_fails_loading_by_name(tmp_path: Path) -> None:
    scheme = scheme_without(tmp_path, entity="NORP")
    with pytest.raises(SchemeError) as raised:
        Annotator.load(scheme=scheme)
    message = raised.value.message
    assert "khabar.annotate.entities" in message and "NORP" in message, message
    assert f"which {tmp_path / 'schemas' / 'scheme.yaml'} does not define as an entity label" in message
    assert raised.value.hint is not None and "add NORP" in raised.value.hint
    # a project's entity labels alone (as drafting passes them) are checked the same way
    with pytest.raises(SchemeError, match=r"NORP, which the project's scheme \(schemas/scheme.yaml\)"):
        Annotator.load(scheme.entity_labels)


@pytest.mark.parametrize(("entity", "module"), [("MONEY", "dates_money"), ("FAC", "entities")])
def test_each_rule_module_names_itself(tmp_path: Path, entity: str, module: str) -> None:
    with pytest.raises(SchemeError, match=rf"\(khabar\.annotate\.{module}\) \w+ {entity}, which"):
        Annotator.load(scheme=scheme_without(tmp_path, entity=entity))


def test_a_scheme_without_an_event_type_of_the_lexicon_fails_loading_with_events(tmp_path: Path) -> None:
    scheme = scheme_without(tmp_path, event="AGREE")  # no rule treats AGREE apart: only the lexicon has it
    with pytest.raises(SchemeError, match=r"lexicon \(khabar/data/lexicon/events\*.yaml\) lists AGREE"):
        Annotator.load(scheme=scheme)
    assert Annotator.load(scheme=scheme, events=False).events is None
    with pytest.raises(SchemeError, match=r"the event rules \(khabar.annotate.events\) use THREATEN"):
        Annotator.load(scheme=scheme_without(tmp_path / "t", event="THREATEN"))


def test_every_rule_module_declares_the_labels_it_spells_and_is_checked() -> None:
    """A rule module spells no label, event type or role as a literal: it imports the
    constants of khabar.annotate.labels, lists each in its LABELS, and the annotator
    checks that declaration against the scheme."""
    checked = {declared.module for declared in (*ENTITY_RULES, *EVENT_RULES)}
    spelled = set(CONSTANTS.values())
    for name in RULE_MODULES:
        if not name.startswith("annotate.") or name == "annotate.labels":
            continue
        tree = ast.parse((PACKAGE / f"{name.replace('.', '/')}.py").read_text(encoding="utf-8"))
        literals = {
            node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and node.value in spelled
        }
        assert not literals, (name, literals)
        used = {
            CONSTANTS[alias.name]
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module == "khabar.annotate.labels"
            for alias in node.names
            if alias.name in CONSTANTS
        }
        if not used:
            continue
        module = importlib.import_module(f"khabar.{name}")
        declared = module.LABELS
        assert declared.module in checked, name
        assert used <= {*declared.produces, *declared.reads, *declared.events, *declared.roles}, name
