"""Derive name lists from what PyPI packages ship: Babel (CLDR), pycountry, pyarabic and
hijridate. Run by `nox -s gazetteers`; the output is committed under src/khabar/data, so
khabar needs none of these packages (but pyarabic) at run time and never downloads.

    python tools/derive_gazetteers.py [--check]
"""

from __future__ import annotations

import gettext
import re
import sys
import unicodedata
from pathlib import Path

import derive_names  # tools/derive_names.py, beside this script
import pycountry
import yaml
from babel import Locale
from hijridate import Hijri
from pyarabic import propernouns

DATA = Path(__file__).resolve().parent.parent / "src" / "khabar" / "data"
# Babel territory codes that are not countries (the EU, the UN, test locales ...)
NOT_COUNTRIES = {"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"}
# Country names that are also common words: matched after a cue (مالي "financial", بنين "boys")
COMMON_WORDS = {"مالي", "بنين"}
HEADER = "# Derived by tools/derive_gazetteers.py from {sources}; do not edit, run `nox -s gazetteers`.\n"


def clean(name: str) -> str:
    """Drop tashkeel and tatweel, hyphens to spaces, the part before an inverting comma."""
    name = name.split("،")[0].replace("-", " ")
    name = "".join(ch for ch in unicodedata.normalize("NFC", name) if unicodedata.category(ch) != "Mn")
    return re.sub(r"\s+", " ", name.replace("\u0640", "")).strip()


def pyarabic_entries() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for text in (propernouns.TEXT, propernouns.TEXT1, propernouns.TEXT2):
        for line in text.splitlines():
            match = re.match(r"^(.*?)\s+(اسم علم.*)$", line.strip())
            if match:
                found.setdefault(match.group(2), []).append(clean(match.group(1)))
    return found


def countries() -> dict[str, object]:
    names = {
        clean(v) for k, v in Locale.parse("ar").territories.items() if k.isalpha() and k not in NOT_COUNTRIES
    }
    iso = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["ar"])
    for country in pycountry.countries:
        for attr in ("name", "common_name"):
            value = getattr(country, attr, None)
            if value and iso.gettext(value) != value:
                names.add(clean(iso.gettext(value)))
    arabic = pyarabic_entries()
    for kind, values in arabic.items():
        if "دولة" in kind or "عاصِمة" in kind:
            names.update(values)
    names = {n for n in names if len(n) > 2}
    return {
        "label": "GPE",
        "score": 0.9,
        "names": sorted(names - COMMON_WORDS),
        "ambiguous": sorted(names & COMMON_WORDS),
    }


def cities() -> dict[str, object]:
    zones = Locale.parse("ar")._data["time_zones"]
    names = {clean(v["city"]) for v in zones.values() if v.get("city")}
    for kind, values in pyarabic_entries().items():
        if "مدينة" in kind:
            names.update(values)
    # Thousands of small places, many also common words: matched only after a cue
    # (مدينة، محافظة، بلدة ...). The newsworthy ones are in places.yaml without one.
    return {"label": "GPE", "score": 0.7, "ambiguous": sorted(n for n in names if len(n) > 2)}


def regions() -> dict[str, object]:
    names = {clean(v) for k, v in Locale.parse("ar").territories.items() if k.isdigit() and k != "001"}
    arabic = pyarabic_entries()
    for kind, values in arabic.items():
        if "قارَّة" in kind:
            names.update(values)
        elif "نهر" in kind:
            names.update(f"نهر {v}" for v in values)
        elif "بحر" in kind:
            names.update(
                v
                if v.startswith(("بحر", "خليج", "مضيق"))
                else f"البحر {v}"
                if v.startswith("ال")
                else f"بحر {v}"
                for v in values
            )
        elif "مُحيط" in kind:
            names.update(f"المحيط {v}" for v in values)
    return {"label": "LOC", "score": 0.8, "names": sorted(n for n in names if len(n) > 2)}


def calendar() -> dict[str, object]:
    months: set[str] = set()
    for locale in ("ar", "ar_LB", "ar_MA", "ar_DZ"):
        months.update(clean(m) for m in Locale.parse(locale).months["format"]["wide"].values())
    hijri = [clean(Hijri(1445, m, 1).month_name("ar")) for m in range(1, 13)]
    weekdays = [clean(d) for d in Locale.parse("ar").days["format"]["wide"].values()]
    return {"months": sorted(months), "hijri_months": hijri, "weekdays": weekdays}


OUTPUTS = {
    DATA / "gazetteer" / "derived-countries.yaml": (countries, "Babel/CLDR, pycountry and pyarabic"),
    DATA / "gazetteer" / "derived-cities.yaml": (cities, "Babel/CLDR time zones and pyarabic"),
    DATA / "gazetteer" / "derived-regions.yaml": (regions, "Babel/CLDR regions and pyarabic"),
    DATA / "lexicon" / "derived-calendar.yaml": (
        calendar,
        "Babel/CLDR (ar, ar_LB, ar_MA, ar_DZ) and hijridate",
    ),
}


def render(make: object, sources: str) -> str:
    assert callable(make)
    return HEADER.format(sources=sources) + yaml.safe_dump(
        make(), allow_unicode=True, sort_keys=False, width=100
    )


def main(check: bool) -> int:
    texts = {path: render(make, sources) for path, (make, sources) in OUTPUTS.items()}
    stale = derive_names.write_outputs(texts, check)
    names = derive_names.main(check)  # given names, surnames and PETRARCH actors
    return max(names, stale)


if __name__ == "__main__":
    sys.exit(main("--check" in sys.argv))
