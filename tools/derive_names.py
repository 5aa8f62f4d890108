"""Derive candidate name lists: given names and surnames with frequency bands from
arabic-name-romanizer and arabnamer, and people, organisations and places from the
PETRARCH Arabic actor dictionary. Called by tools/derive_gazetteers.py (`nox -s gazetteers`);
the output is committed under src/khabar/data/gazetteer/candidates/, which
``khabar.annotate.gazetteer.load_derived`` reads: given names and surnames for the person
rules, the actors' names as list entries below the curated ones; also CRF candidates.

    python tools/derive_names.py [--check] [--out DIR]

An entry that is empty, has no Arabic letter or is a common word is dropped and counted;
the counts are printed. A missing source package, another version of it or a changed data
file stops the derivation with a one-line message.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import sys
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "src" / "khabar" / "data"
OUT = DATA / "gazetteer" / "candidates"
PETRARCH = ROOT.parent / "shared" / "data" / "external" / "universalpetrarch"
HEADER = "# Derived by tools/derive_names.py from {sources}; do not edit, run `nox -s gazetteers`.\n"


class SourceError(Exception):
    """A source package or file is missing or not the one the lists were derived from."""


@dataclass(frozen=True)
class Source:
    """A data file read from an installed distribution (never imported: importing
    arabnamer would load xgboost, arabic-name-romanizer onnxruntime)."""

    distribution: str
    version: str
    path: str  # inside site-packages
    sha256: str

    def file(self) -> Path:
        try:
            dist = metadata.distribution(self.distribution)
        except metadata.PackageNotFoundError:
            raise SourceError(
                f"{self.distribution} is not installed: install it with `nox -s gazetteers` "
                f"(pyproject.toml, dependency group derive)"
            ) from None
        if dist.version != self.version:
            raise SourceError(
                f"{self.distribution} {dist.version} is installed, the lists are derived from "
                f"{self.version}: review its data and update tools/derive_names.py"
            )
        path = Path(str(dist.locate_file(self.path)))
        return checked(path, self.sha256, f"{self.distribution} {self.version}")


def checked(path: Path, sha256: str, what: str) -> Path:
    if not path.is_file():
        raise SourceError(f"{path} is missing ({what})")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != sha256:
        raise SourceError(f"{path} changed (sha256 {digest[:12]}, expected {sha256[:12]}): review it first")
    return path


ROMANIZER = Source(
    "arabic-name-romanizer",
    "0.2.0",
    "arabic_name_romanizer/resources/names.sqlite3",
    "d475ffa773e08a8bbe79a0ccd48d79336a84b25bda76a6a38fd53089392c8be0",
)
ARABNAMER = Source(
    "arabnamer",
    "0.1.3",
    "arabnamer/data/dict_FINAL.json",
    "b35b2de4d1d584df374621199bd4b9fbb1aa8ad0dd198ed7c35e81d8a02dc71d",
)
ACTORS_FILE = "actor_dict_ar_v4.txt"
ACTORS_SHA256 = "a2e21f94a2c6b5f8784b4286828c49f88fb7fcd157052632ebbc58dc509991ef"
AGENTS_FILE = "agents.all.ar_v3.txt"
AGENTS_SHA256 = "f89f5f6b662f6af3bc194faf8e13b5662243d034722d4926695e4953f385a700"

# --- the analysis view (the same letters as khabar.text.normalize, which the tools may not import)

_ONE_TO_ONE = str.maketrans(
    {"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي", "ک": "ك", "ی": "ي"}
)
ARABIC_LETTER = re.compile("[\u0621-\u063a\u0641-\u064a]")
# Letters of Arabic and of Persian names as Arabic news writes them (پ چ ژ گ): an entry with
# any other letter (Urdu ٹ ڈ ڑ ں ے ھ ...) is in another language's spelling.
NAME_LETTERS = re.compile("^[\u0621-\u063a\u0641-\u064a\u067e\u0686\u0698\u06af\u06a9\u06cc ]+$")


def strip_marks(text: str) -> str:
    """Drop tashkeel, dagger alif, tatweel and invisible marks; NFC."""
    text = unicodedata.normalize("NFC", text)
    return "".join(ch for ch in text if unicodedata.category(ch) not in ("Mn", "Cf") and ch != "\u0640")


def key(text: str) -> str:
    """The matching form of a name: khabar's analysis view (hamza forms, alif maqsura and taa
    marbuta unified, Persian kaf and yeh made Arabic), single spaces."""
    return " ".join(strip_marks(text).translate(_ONE_TO_ONE).split())


# --- common words ------------------------------------------------------------------------------


def split_words(text: str) -> list[str]:
    return text.split()


# Function words, pronouns and a few verbs of reporting, written for this filter (the pyarabic
# release in use ships no stop-word list, and arabic-stopwords is GPL). Together with the
# project's own lexicons (below) they are the words a name list must not hold.
FUNCTION_WORDS = split_words(
    """
في من إلى الى على عن مع بين عند لدى حتى منذ خلال بعد قبل فوق تحت أمام وراء حول ضد دون نحو عبر
و أو ثم بل لكن لكنه لكن ف إن أن كان كانت يكون تكون ليس ليست قد لقد لم لن لا ما ماذا لماذا كيف متى أين
هل إذا لو كي لكي إلا غير سوى كل بعض أي أية هذا هذه هذان هاتان هؤلاء ذلك تلك أولئك هنا هناك
الذي التي الذين اللذان اللتان اللواتي اللاتي من ما هو هي هم هن هما أنا نحن أنت أنتم أنتن إياه
به بها بهم له لها لهم منه منها منهم عنه عنها عليه عليها عليهم فيه فيها فيهم إليه إليها معه معها
يا أيها أيتها نعم كلا بلى أيضا جدا فقط حيث بينما كما مثل لأن لان عندما حين حينما أمس اليوم غدا الآن
قال قالت يقول تقول أكد أكدت أضاف أضافت أعلن أعلنت أوضح ذكر ذكرت
أحد إحدى ذات ذو ذي عام عامة خاص خاصة جديد جديدة كبير كبيرة أول أولى آخر أخرى
"""
)
LEXICONS = [DATA / "lexicon" / name for name in ("context.yaml", "derived-calendar.yaml", "events.yaml")]
# keys of src/khabar/data/lexicon/context.yaml that hold names, not common words
NAME_KEYS = {"first_names", "foreign_first_names", "club_words"}


def common_words() -> set[str]:
    """Function words, and every word of the project's lexicons but its name lists: titles,
    cues, date and time words, currencies, numbers, months, weekdays, event triggers."""
    words = {key(w) for w in FUNCTION_WORDS}
    for path in LEXICONS:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for name, values in data.items():
            if name in NAME_KEYS:
                continue
            for value in _strings(values):
                for form in value.split("/"):  # events.yaml: past/present verb forms
                    words.add(key(form))
    return {w for w in words if w}


def _strings(value: object) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):  # events.yaml's senses: their contexts are no lexicon words
        for name, item in value.items():
            if not str(name).startswith("unless_"):
                yield from _strings(item)


# --- person names --------------------------------------------------------------------------------

# و ف ب ك ل and their combinations, as khabar strips them (GUIDELINES.md rule 2)
PROCLITICS = ("و", "ف", "ب", "ك", "ل", "وب", "وك", "ول", "فب", "فك", "فل")
#: band 1 = very common ... 4 = rare, from the count of people with the name in Wikidata
BANDS = ((1, 1000), (2, 100), (3, 10), (4, 0))
# Parts that form a name with the word after them; a list entry that is one of them alone is
# not a name (the package splits «عبد» off badly spelled «عبدالله»).
PREFIX_PARTICLES = {"عبد", "ابو", "ابي", "ابن", "بن", "بنت", "ال", "ذو", "ذي"}
PARTICLES = PREFIX_PARTICLES | {"الله", "الدين"}  # سيف الدين، عبد الله
# arabnamer phrases kept: compound names (عبد الرحمن، أبو بكر); «بن X» / «ابن X» are a
# father's name, whose X is listed on its own
COMPOUND_HEADS = {"عبد", "ابو"}


def band(count: int) -> int:
    return next(b for b, least in BANDS if count >= least)


@dataclass
class Tally:
    kept: Counter[str] = field(default_factory=Counter)
    dropped: Counter[str] = field(default_factory=Counter)

    def lines(self, title: str) -> list[str]:
        out = [f"{title}: kept {sum(self.kept.values())} ({_fmt(self.kept)})"]
        out.append(f"{title}: dropped {sum(self.dropped.values())} ({_fmt(self.dropped)})")
        return out


def _fmt(counts: Counter[str]) -> str:
    return ", ".join(f"{reason} {n}" for reason, n in counts.most_common()) or "none"


def why_not_a_name(name: str, common: set[str], *, known: int = 0) -> str | None:
    """The reason a list entry is no name for khabar, or None. ``known`` is how many
    people have it (a two-letter name needs band 2 or better: طه)."""
    if not name:
        return "empty"
    if not ARABIC_LETTER.search(name):
        return "no Arabic letter"
    if not NAME_LETTERS.match(name):
        return "letters Arabic does not use (Urdu, Latin, digits)"
    if name in common or any(part in common for part in name.split() if part not in PARTICLES):
        return "common word"
    if any(name.startswith(p) and name[len(p) :] in common for p in PROCLITICS):
        return "proclitic and a common word (وفي، بان)"
    if name in PARTICLES or name.split()[-1] in PREFIX_PARTICLES:
        return "a particle alone"
    if len(name.replace(" ", "")) < 2 or (len(name) == 2 and band(known) > 2):
        return "too short"
    return None


def romanizer_rows(path: Path) -> list[tuple[str, str, int]]:
    """(name, role, count) from the Wikidata rows of names.sqlite3 (CC0); the DziriNames rows
    (MIT) are left out."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        rows = db.execute(
            "SELECT arabic_key, role, SUM(count) FROM units WHERE source = 'wikidata' "
            "GROUP BY arabic_key, role ORDER BY arabic_key, role"
        ).fetchall()
    return [(str(a), str(r), int(n)) for a, r, n in rows]


def person_names(
    romanizer: Path, arabnamer: Path, common: set[str]
) -> tuple[dict[str, object], dict[str, Tally]]:
    tallies = {"given": Tally(), "surname": Tally(), "other": Tally()}
    counts: dict[str, dict[str, int]] = {"given": defaultdict(int), "surname": defaultdict(int)}
    unknown_role: set[str] = set()
    for raw, role, count in romanizer_rows(romanizer):
        name = key(raw)
        if role in counts:
            counts[role][name] += count
        else:
            unknown_role.add(name)
    sections: dict[str, dict[str, int]] = {}
    listed: set[str] = set()
    for role, found in counts.items():
        kept: dict[str, int] = {}
        for name, count in found.items():
            reason = why_not_a_name(name, common, known=count)
            if reason:
                tallies[role].dropped[reason] += 1
            else:
                kept[name] = band(count)
                tallies[role].kept[f"band {band(count)}"] += 1
        sections[role] = kept
        listed |= set(kept) | set(found)
    # arabnamer: English -> Arabic pairs, no role, no count
    pairs: dict[str, str] = json.loads(arabnamer.read_text(encoding="utf-8"))
    other: set[str] = set()
    candidates = [("arabnamer", key(v)) for v in pairs.values()]
    candidates += [("romanizer, role unknown", n) for n in sorted(unknown_role)]
    for origin, name in candidates:
        if name in listed or name in other:
            continue
        words = name.split()
        reason = why_not_a_name(name, common)
        if reason is None and len(words) > 1 and words[0] not in COMPOUND_HEADS:
            reason = (
                "phrase, not a compound name" if words[0] not in {"بن", "ابن"} else "father's name (بن X)"
            )
        if reason:
            tallies["other"].dropped[reason] += 1
            listed.add(name)
        else:
            other.add(name)
            tallies["other"].kept[origin] += 1
    out: dict[str, object] = {}
    for role in ("given", "surname"):
        by_band: dict[int, list[str]] = {b: [] for b, _ in BANDS}
        for name, b in sections[role].items():
            by_band[b].append(name)
        out[role] = {b: sorted(names) for b, names in by_band.items()}
    out["other"] = sorted(other)
    return out, tallies


# --- actors --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Actor:
    line: int
    phrase: str  # as written, with its underscores
    codes: tuple[str, ...]  # CAMEO codes, date ranges dropped, first seen first


def read_actors(path: Path) -> list[Actor]:
    """Entries: a phrase, its codes on the same line or on the tab-indented lines after it."""
    actors: list[Actor] = []
    phrase, line, codes = "", 0, []
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        if text.startswith("\t") or text.lstrip().startswith("["):
            codes += re.findall(r"\[\s*([^\]\s]+)", text)
            continue
        if line:
            actors.append(Actor(line, phrase, tuple(dict.fromkeys(codes))))
        match = re.match(r"^\s*(.*?)\s*((?:\[[^\]]*\]\s*)*)$", text)
        assert match is not None
        phrase, line, codes = match.group(1), number, re.findall(r"\[\s*([^\]\s]+)", match.group(2))
    if line:
        actors.append(Actor(line, phrase, tuple(dict.fromkeys(codes))))
    return actors


def read_agents(path: Path) -> set[str]:
    """Generic agents (جيش، شرطة، لاجئ ...), as keys of their words joined by spaces."""
    agents = set()
    for text in path.read_text(encoding="utf-8").splitlines():
        phrase = text.split("[")[0].strip()
        if phrase and not phrase.startswith("#"):
            agents.add(key(phrase.replace("_", " ")))
    return agents


# Organisation heads, as the dictionary lemmatises them (undefined, singular)
ORG_HEADS = set(
    split_words(
        """وزارة منظمة حزب حركة مجلس اتحاد جامعة محكمة بنك مصرف شركة وكالة صحيفة مجلة جبهة هيئة لجنة مؤسسة
    جماعة صندوق برلمان جمعية رابطة تنظيم تحالف ائتلاف مركز معهد قناة إذاعة حلف جهاز ديوان نقابة
    تلفزيون"""
    )
)
# Titles and roles before a person's name (outside the span: GUIDELINES.md rule 6)
TITLES = set(
    split_words(
        """رئيس رئيسة وزير وزيرة ملك ملكة أمير أميرة شيخ شيخة جنرال عاهل سيد سيدة دكتور نائب سفير قائد
    زعيم مستشار متحدث مسؤول بطريرك مشير عقيد لواء عميد إمام آية مرشد سلطان قاضي مفتي
    أمين حاكم محافظ مدير ولي"""
    )
)
# Words a role description is made of: «رئيس_سوداني_»، «وزير_خارجية_إسباني_» are no names
ROLE_WORDS = set(
    split_words(
        """خارجية دفاع داخلية مالية عدل إعلام عام أول سابق حكومة دولة وزراء وزير جمهورية مجلس أركان
    جيش شرطة قوة قوات أمن عهد"""
    )
)
# Nouns that a name holds in the plural and the dictionary in the singular (حقوق الإنسان ->
# «حق_إنسان_»): no reliable surface form
PLURAL_IN_NAMES = {
    key(w) for w in split_words("حق غرفة شأن قوة عامل أخ لاجئ مسلم مواطن دولة أمة علم ضابط جندي")
}
# Letters a nisba adjective may not be confused with: nouns ending in ي
NOT_ADJECTIVES = {key(w) for w in split_words("وادي نادي قاضي ساحلي")}
# CAMEO role codes: a code made of them only names no country (GOV, MEDBUS ...)
ROLE_CODES = set(
    split_words(
        """GOV MIL REB PTY MED BUS EDU HRI COP SPY CVL LEG JUD ELI OPP UAF REF HLH RAD CRM DEV LAB AGR
    ENV IMG IGO NGO NGM MNC SET REL INS BAN UNK"""
    )
)
# Common nouns that organisation names hold after their head, with the article (وزارة الدفاع،
# جهاز المخابرات): any other noun may be a proper name, which takes none (حزب الليكود is wrong)
ORG_NOUNS = {
    key(w)
    for w in split_words(
        """دفاع خارجية داخلية أمن تحرير عمل شعب دعوة وفد بعث نهضة مخابرات استقلال عدالة تنمية
    صحة تعليم مالية اقتصاد إعلام ثقافة تجارة زراعة نفط طاقة عدل اتصالات نقل سياحة إسكان بيئة
    جهاد مقاومة إصلاح وحدة حرية سلام تعاون توافق خليج أنباء إذاعة تلفزيون مستقبل تغيير عودة
    فضيلة إنقاذ دستور قضاء شورى نواب شيوخ أعيان"""
    )
}


def countries_in(codes: tuple[str, ...]) -> bool:
    """Whether a code starts with a country (or IGO's like): IRQGOV, USA; not GOV, MEDBUS."""
    return any(code[:3] not in ROLE_CODES or code[:3] == "IGO" for code in codes)


PROCLITIC_TOKENS = {"ل", "ب", "و", "ك", "ف", "في", "من", "على", "عن", "إلى", "الى", "هو", "مع"}


def adjective(word: str) -> bool:
    """A nisba adjective as the dictionary writes it: أميركي، دولي، الأفغانية."""
    stem = word.removeprefix("ال")
    return len(stem) >= 3 and (stem.endswith("ي") or stem.endswith("ية")) and key(stem) not in NOT_ADJECTIVES


def definite(word: str) -> str:
    return word if word.startswith("ال") else "ال" + word


def feminine(word: str) -> str:
    return word + "ة" if word.endswith("ي") else word


@dataclass
class ActorContext:
    given: set[str]  # keys of given names (and foreign first names)
    surname_bands: dict[str, int]
    names: set[str]  # keys of any listed name
    places: dict[str, str]  # key -> (GPE|LOC)
    place_forms: dict[str, str]  # key -> the form a place list writes
    organizations: set[str]  # keys
    agents: set[str]
    common: set[str]


def country_only(codes: tuple[str, ...]) -> bool:
    return bool(codes) and all(re.fullmatch(r"[A-Z]{3}", c) and c not in ROLE_CODES for c in codes)


def surface(actor: Actor, ctx: ActorContext) -> tuple[str, str] | str:
    """(surface form, kind) or the reason the entry is dropped."""
    phrase = strip_marks(actor.phrase).strip()
    if not phrase:
        return "empty"
    if not ARABIC_LETTER.search(phrase):
        return "no Arabic letter"
    if " " in phrase.strip("_ ") and "_" not in phrase:
        return "free text, not a dictionary phrase"
    words = [w for w in re.split(r"[_\s]+", phrase) if w]
    if any(not NAME_LETTERS.match(w) for w in words):
        return "letters Arabic does not use (Latin, digits, punctuation)"
    if any(w in PROCLITIC_TOKENS for w in words):
        return "a clitic or preposition cut off by the lemmatiser"
    keys = [key(w) for w in words]
    if " ".join(keys) in ctx.agents or (keys[0] in ctx.agents and all(adjective(w) for w in words[1:])):
        return "generic agent (agents.all.ar_v3.txt)"
    if len(words) == 1:
        return single(words[0], actor, ctx)
    # a person, after any title
    rest = list(words)
    titles = {key(t) for t in TITLES}
    while rest and (key(rest[0]) in titles or (rest[0].startswith("ال") and key(rest[0][2:]) in titles)):
        rest = rest[1:]
    if not rest:
        return "role description, not a name"
    if all(w in ROLE_WORDS or adjective(w) for w in rest):
        return "role description, not a name"
    first = key(rest[0])
    if first in ctx.given or first in {"ابو", "عبد"}:
        if len(rest) == 1:
            return "title and one name"
        if any(adjective(w) and key(w) not in ctx.names for w in rest[1:]):
            return "person with a nationality or role word"
        unknown = [w for w in rest[1:] if key(w) not in ctx.names and key(w) not in PARTICLES]
        if unknown:
            return "person: a word not in the name lists (lemmatised?)"
        if any(article_dropped(w, ctx) for w in rest[1:]):
            return "person: a surname more common with the article (lemmatised?)"
        return " ".join(rest), "PER"
    if len(rest) < len(words):
        return "title before a word not in the given-name lists"
    if words[0] in ORG_HEADS:
        return organization(words, actor.codes, ctx)
    joined = " ".join(keys)
    if joined in ctx.places or key(definite(" ".join(words))) in ctx.places:
        return place(words, ctx)
    return "not a person, organisation head or listed place"


def article_dropped(word: str, ctx: ActorContext) -> bool:
    """«أحمد_طيب_» for أحمد الطيب: the surname with the article is better attested."""
    if word.startswith("ال") or key(word) in PARTICLES:
        return False
    with_article = ctx.surname_bands.get(key(definite(word)), 5)
    return with_article < ctx.surname_bands.get(key(word), 5)


def single(word: str, actor: Actor, ctx: ActorContext) -> tuple[str, str] | str:
    k = key(word)
    if k in ctx.common:
        return "common word"
    if country_only(actor.codes):
        for form in (k, key(definite(word))):
            if form in ctx.places:
                return ctx.place_forms[form], ctx.places[form]
        if adjective(word):
            return "nationality adjective"
        return "place not in the place lists (lemmatised or rare)"
    if k in ctx.organizations:
        return word, "ORG"
    return "one word with a role code: person or organisation unknown"


def place(words: list[str], ctx: ActorContext) -> tuple[str, str] | str:
    for form in (key(" ".join(words)), key(definite(" ".join(words)))):
        if form in ctx.places:
            return ctx.place_forms[form], ctx.places[form]
    return "place not in the place lists"


def organization(words: list[str], actor_codes: tuple[str, ...], ctx: ActorContext) -> tuple[str, str] | str:
    """وزارة_دفاع_أميركي_ -> وزارة الدفاع الأميركية; اتحاد_أفريقي_ -> الاتحاد الأفريقي."""
    head, rest = words[0], words[1:]
    nouns = [w for w in rest if not adjective(w) or key(w) in ctx.places]  # دبي is no adjective
    adjectives = [w for w in rest if w not in nouns]
    if rest != nouns + adjectives:
        return "organisation: an adjective before a noun (structure unclear)"
    if len(nouns) > 1:
        return "organisation: a chain of two or more nouns (plural or و lost)"
    if any(key(n) in PLURAL_IN_NAMES for n in nouns):
        return "organisation: a noun the name holds in the plural"
    if not nouns and not adjectives:
        return "organisation head alone"
    if not countries_in(actor_codes):
        return "organisation with no country in its codes (generic: البنك المركزي)"
    gendered = [definite(feminine(a) if head.endswith("ة") else a) for a in adjectives]
    if nouns:
        noun = nouns[0]
        if key(noun) in ctx.places:
            noun_form = ctx.place_forms[key(noun)]  # a proper name: no article (جامعة_دمشق_)
        elif key(definite(noun)) in ctx.places:
            noun_form = ctx.place_forms[key(definite(noun))]  # جامعة_قاهرة_ -> جامعة القاهرة
        elif key(noun.removeprefix("ال")) in ORG_NOUNS:
            noun_form = definite(noun)
        else:
            return "organisation: a noun that may be a proper name (article unknown)"
        form = " ".join([head, noun_form, *gendered])
    else:
        form = " ".join([definite(head), *gendered])
    if key(form) in ctx.common:
        return "common word"
    return form, "ORG"


def actor_lists(actors: list[Actor], ctx: ActorContext) -> tuple[dict[str, list[list[object]]], Tally]:
    tally = Tally()
    found: dict[str, dict[str, list[object]]] = {kind: {} for kind in ("PER", "ORG", "GPE", "LOC")}
    for actor in actors:
        result = surface(actor, ctx)
        if isinstance(result, str):
            tally.dropped[result] += 1
            continue
        form, kind = result
        k = key(form)
        if k in found[kind]:
            row = found[kind][k]
            row[1] = " ".join(dict.fromkeys([*str(row[1]).split(), *actor.codes]))
            tally.dropped["duplicate (codes merged)"] += 1
            continue
        found[kind][k] = [form, " ".join(actor.codes), actor.line]
        tally.kept[kind] += 1
    return {kind: sorted(rows.values(), key=lambda r: str(r[0])) for kind, rows in found.items()}, tally


def load_context(names: dict[str, object], common: set[str]) -> ActorContext:
    given: set[str] = set()
    every: set[str] = set()
    surname_bands: dict[str, int] = {}
    for role in ("given", "surname"):
        section = names[role]
        assert isinstance(section, dict)
        for number, listed in section.items():
            every.update(listed)
            if role == "given":
                given.update(listed)
            else:
                surname_bands.update(dict.fromkeys(listed, number))
    other = names["other"]
    assert isinstance(other, list)
    every.update(other)
    context = yaml.safe_load((DATA / "lexicon" / "context.yaml").read_text(encoding="utf-8"))
    for k in NAME_KEYS:
        given.update(key(n) for n in context[k])
    every |= given
    places: dict[str, str] = {}
    forms: dict[str, str] = {}
    organizations: set[str] = set()
    for path in sorted((DATA / "gazetteer").glob("*.yaml")):
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
        listed = [*data.get("names", []), *data.get("ambiguous", [])]
        if data["label"] in ("GPE", "LOC") and not path.stem.startswith("derived-cities"):
            for name in listed:
                places.setdefault(key(name), data["label"])
                forms.setdefault(key(name), name)
        elif data["label"] == "ORG":
            organizations.update(key(n) for n in listed)
    agents = read_agents(checked(PETRARCH / AGENTS_FILE, AGENTS_SHA256, "PETRARCH agents"))
    return ActorContext(given, surname_bands, every, places, forms, organizations, agents, common)


# --- output --------------------------------------------------------------------------------------

NAMES_SOURCES = (
    "arabic-name-romanizer 0.2.0 (names.sqlite3, sha256 {romanizer}: the Wikidata rows only, CC0 1.0; "
    "package MIT, © 2026 UNICEF and the arabic-name-romanizer contributors) and arabnamer 0.1.3 "
    "(dict_FINAL.json, sha256 {arabnamer}: CC BY 4.0, «Uses arabnamer's Arabic name dictionary "
    "(Yousef, E., 2026). https://github.com/sayedyousef/arabnamer», names taken apart from their "
    "English keys and filtered)"
)
NAMES_NOTE = """\
# Read by khabar.annotate.gazetteer.load_derived (rules), below the curated lists; CRF candidates.
# Names in the analysis view's form (khabar.text.normalize: أإآ ا، ى ي، ة ه). Common words are
# left out: function words, and the words of lexicon/context.yaml (but first names),
# derived-calendar.yaml and events.yaml, also behind a proclitic (وفي، بان).
# given / surname: band -> names; band 1 = 1000 or more people in Wikidata with the name in
# that role, 2 = 100-999, 3 = 10-99, 4 = fewer. A name may be in both. other: names of
# unknown role (arabnamer, and romanizer rows without a role), neither given nor surname.
"""
ACTORS_SOURCES = (
    "the PETRARCH Arabic actor dictionary (UniversalPetrarch {file}, sha256 {sha}, commit "
    "a0af422b2e6d4d47263c9eeca3e5b7fac1d9df0e; MIT, © 2016 Open Event Data Alliance)"
)
ACTORS_NOTE = """\
# Read by khabar.annotate.gazetteer.load_derived (rules), below the curated lists; CRF candidates.
# By kind: [surface form, CAMEO codes (country + role; dates dropped), line in the source].
# Lemmatised phrases are turned into the forms text uses (وزارة_دفاع_أميركي_ -> وزارة الدفاع
# الأميركية); people lose their titles; places are kept only when a place list of khabar has
# them (in its spelling). Entries with no reliable form are dropped (see the derivation's counts).
"""


def dump(data: object) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)


def dump_actors(actors: dict[str, list[list[object]]]) -> str:
    """One actor a line: ``- [form, codes, line]`` under its kind."""
    out = [dump({"source": f"universalpetrarch/{ACTORS_FILE}"})]
    for kind, rows in actors.items():
        out.append(f"{kind}:\n")
        out += [yaml.safe_dump([r], allow_unicode=True, default_flow_style=None, width=1000) for r in rows]
    return "".join(out)


def derive() -> tuple[dict[str, str], list[str]]:
    """The files' names and texts, and the counts to print."""
    romanizer = ROMANIZER.file()
    arabnamer = ARABNAMER.file()
    actors_path = checked(PETRARCH / ACTORS_FILE, ACTORS_SHA256, "PETRARCH actors")
    common = common_words()
    names, tallies = person_names(romanizer, arabnamer, common)
    ctx = load_context(names, common)
    actors, actor_tally = actor_lists(read_actors(actors_path), ctx)
    names_header = HEADER.format(
        sources=NAMES_SOURCES.format(romanizer=ROMANIZER.sha256[:12], arabnamer=ARABNAMER.sha256[:12])
    )
    actors_header = HEADER.format(sources=ACTORS_SOURCES.format(file=ACTORS_FILE, sha=ACTORS_SHA256[:12]))
    files = {
        "derived-person-names.yaml": names_header + NAMES_NOTE + dump(names),
        "derived-actors.yaml": actors_header + ACTORS_NOTE + dump_actors(actors),
    }
    report = [*tallies["given"].lines("given names"), *tallies["surname"].lines("surnames")]
    report += [*tallies["other"].lines("names of unknown role"), *actor_tally.lines("actors")]
    import derive_towns  # beside this script; it reads this one's sources and common words

    by_band: list[dict[int, list[str]]] = [names["given"], names["surname"]]  # type: ignore[list-item]
    people = {name for bands in by_band for names_of_band in bands.values() for name in names_of_band}
    towns, town_report = derive_towns.derive(people)
    return files | towns, report + town_report


def main(check: bool = False, out: Path = OUT, echo: Callable[[str], None] = print) -> int:
    try:
        files, report = derive()
    except SourceError as err:
        echo(f"derive_names: {err}")
        return 2
    for line in report:
        echo(line)
    return write_outputs({out / name: text for name, text in files.items()}, check, echo)


def write_outputs(texts: dict[Path, str], check: bool, echo: Callable[[str], None] = print) -> int:
    """Write each derived file, or with ``check`` only compare it with what is committed;
    1 when a committed file is stale (shared with tools/derive_gazetteers.py)."""
    stale = []
    for path, text in texts.items():
        if check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(path)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            echo(f"wrote {path}")
    for path in stale:
        echo(f"stale: {path} (run `nox -s gazetteers`)")
    return 1 if stale else 0


if __name__ == "__main__":
    args = sys.argv[1:]
    target = Path(args[args.index("--out") + 1]) if "--out" in args else OUT
    sys.exit(main("--check" in args, target))
