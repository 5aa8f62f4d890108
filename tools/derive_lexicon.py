"""Derive candidate event triggers from the Arabic verb dictionaries of the PETRARCH event
coder (CAMEO codes), mapped to PLOVER types through the PLOVER project's crosswalk.
Run by `nox -s lexicon`; the output, ``src/khabar/data/lexicon/candidates/derived-events.yaml``, is
committed with the source of every entry. It holds candidates, not triggers: the reviewed
triggers that pre-annotation reads are in ``events.yaml``.

    python tools/derive_lexicon.py [EXTERNAL] [--check]

EXTERNAL is the folder of public resources (default: ../shared/data/external beside the
repository) holding ``universalpetrarch/`` (CAMEO.ar.0.5.txt, verbs_assualt_only.txt,
synsets.ar.txt; MIT, © 2016 Open Event Data Alliance) and ``plover/`` (CAMEO2PLOVER-2021.txt;
CC BY-SA 4.0). What is read:

- verb lines of a group (``قتل   [1823]  # kill``): the lemma, with its own CAMEO code or
  the group's (``--- قتل [190] ---``); a verb with neither names no event by itself;
- patterns (``- * هجوم [190] # نظم``): the group's head verb and the pattern's words as a
  phrase. A pattern over a synonym set (``- * &MILITARY [154]``, the sets of synsets.ar.txt
  and of the verb file) names a class of objects, not a trigger word: counted, not kept.

An entry is refused, with its source line, when it is empty, has no Arabic letter, names a
CAMEO code that maps to no PLOVER type or to a type not in the scheme, or would match inside
a longer word (a first word of one or two letters). The counts are printed.
"""

from __future__ import annotations

import argparse
import re
import sys
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "src" / "khabar" / "data" / "lexicon" / "candidates" / "derived-events.yaml"
SCHEME = ROOT / "schemas" / "scheme.yaml"
DEFAULT_EXTERNAL = ROOT.parent / "shared" / "data" / "external"
VERB_FILES = ("CAMEO.ar.0.5.txt", "verbs_assualt_only.txt")
SYNSET_FILES = ("CAMEO.ar.0.5.txt", "synsets.ar.txt")
CROSSWALK = "CAMEO2PLOVER-2021.txt"
HEADER = """\
# Derived by tools/derive_lexicon.py; do not edit, run `nox -s lexicon`.
# Candidate event triggers, NOT reviewed: the triggers pre-annotation reads are events.yaml.
# Sources: PETRARCH Arabic verb dictionaries (openeventdata/UniversalPetrarch, MIT,
# (c) 2016 Open Event Data Alliance) mapped through CAMEO2PLOVER-2021.txt (openeventdata/PLOVER,
# CC BY-SA 4.0). Per PLOVER type: lemma -> "file:line [CAMEO code] verb|phrase mode=M context=C"
# for every line it comes from (a phrase is a group's head verb and a pattern's words).
"""

ARABIC_LETTER = re.compile("[\u0621-\u064a\u0671-\u06d3]")
CODE = re.compile(r"\[([^\]]*)\]")
GROUP = re.compile(r"^---\s*(.*?)\s*\[([^\]]*)\]\s*---")


@dataclass(frozen=True, slots=True)
class Mapping:
    type: str
    mode: str
    context: str


@dataclass(frozen=True, slots=True)
class Entry:
    lemma: str
    kind: str  # "verb" or "phrase"
    code: str
    source: str  # file:line


@dataclass
class Result:
    entries: dict[str, dict[str, list[str]]]
    dropped: Counter[str]
    refused: list[str]  # "file:line: reason: text"


def clean(text: str) -> str:
    """A lemma as Arabic writes it: no tashkeel or tatweel, particles (+) and joints (_) as spaces."""
    text = unicodedata.normalize("NFC", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn").replace("\u0640", "")
    return " ".join(text.replace("+", " ").replace("_", " ").split())


def read_crosswalk(path: Path) -> dict[str, Mapping]:
    """CAMEO code -> PLOVER type, mode, context (``0841: RETREAT, release, legal # ...``)."""
    found: dict[str, Mapping] = {}
    seen_twice: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^(\d+):\s*([^#]*)", line)
        if not match:
            continue
        code, fields = match.group(1), [f.strip() for f in match.group(2).split(",")]
        fields += [""] * (3 - len(fields))
        if code in found and found[code].type != fields[0]:
            seen_twice.add(code)  # «08: CONCEDE» and «08: RETREAT»: the code alone says neither
        found.setdefault(code, Mapping(fields[0], fields[1], " ".join(fields[2].split())))
    for code in seen_twice:
        del found[code]
    return found


def plover(code: str, crosswalk: dict[str, Mapping]) -> Mapping | None:
    """The code's mapping, or its nearest parent's (``0233`` -> ``023`` -> ``02``)."""
    while len(code) >= 2:
        if code in crosswalk:
            return crosswalk[code]
        code = code[:-1]
    return None


def read_synsets(folder: Path) -> dict[str, list[str]]:
    """``&NAME`` -> its members (``+عبوة_ناسفة_``), from every file that has sets."""
    sets: dict[str, list[str]] = {}
    for name in SYNSET_FILES:
        current: str | None = None
        for line in (folder / name).read_text(encoding="utf-8").splitlines():
            stripped = line.strip()
            if stripped.startswith("&"):
                current = stripped.split()[0]
                sets.setdefault(current, [])
            elif stripped.startswith("+") and current is not None:
                member = clean(stripped[1:].split("#")[0])
                if member and member not in sets[current]:
                    sets[current].append(member)
            elif stripped.startswith("---") or "VERB PATTERNS" in stripped:
                current = None
    return sets


def read_verbs(path: Path, synsets: dict[str, list[str]]) -> tuple[list[Entry], Counter[str]]:
    """Verb and phrase entries of one PETRARCH verb file, with how many lines named no event."""
    entries: list[Entry] = []
    skipped: Counter[str] = Counter()
    head: str | None = None
    group_code = "---"
    in_verbs = False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        source = f"{path.name}:{number}"
        stripped = line.strip()
        if "VERB PATTERNS" in stripped:
            in_verbs = True
            continue
        group = GROUP.match(stripped)
        if group:
            in_verbs = True
            head, group_code = clean(group.group(1)), group.group(2).strip()
            if group_code != "---":
                entries.append(Entry(head, "verb", group_code, source))
            continue
        if not in_verbs or not stripped or stripped.startswith("#") or head is None:
            continue
        if stripped.startswith("-"):
            body = stripped.split("#")[0]
            code = CODE.search(body)
            if code is None or code.group(1).strip() in ("", "---"):
                skipped["pattern without a CAMEO code"] += 1
                continue
            pattern = body[1 : code.start()].replace("*", " ")
            words = [w for w in re.split(r"[\s(){}]+", pattern) if w]
            sets = [w for w in words if w.startswith("&")]
            if any(s not in synsets for s in sets):
                skipped["pattern naming an unknown synonym set"] += 1
                continue
            if sets:  # «- * &MILITARY [154]»: an object class, no trigger word of its own
                skipped["pattern over a synonym set (an object class, not a trigger)"] += 1
                continue
            entries.append(Entry(clean(f"{head} {' '.join(words)}"), "phrase", code.group(1).strip(), source))
            continue
        body = stripped.split("#")[0]
        code = CODE.search(body)
        lemma = body[: code.start()] if code else body
        own = code.group(1).strip() if code else "---"
        chosen = own if own not in ("", "---") else group_code
        if chosen == "---":
            skipped["verb without a CAMEO code (own or group)"] += 1
            continue
        entries.append(Entry(clean(lemma), "verb", chosen, source))
    return entries, skipped


def derive(external: Path, types: set[str]) -> Result:
    """Map every entry of the PETRARCH verb files to a PLOVER type of the scheme."""
    crosswalk = read_crosswalk(external / "plover" / CROSSWALK)
    folder = external / "universalpetrarch"
    synsets = read_synsets(folder)
    dropped: Counter[str] = Counter()
    refused: list[str] = []
    by_type: dict[str, dict[str, list[str]]] = {}
    for name in VERB_FILES:
        entries, skipped = read_verbs(folder / name, synsets)
        dropped.update(skipped)
        for entry in entries:
            reason = refusal(entry, crosswalk, types)
            if reason is not None:
                dropped[reason] += 1
                refused.append(f"{entry.source}: {reason}: {entry.lemma!r} [{entry.code}]")
                continue
            mapping = plover(entry.code, crosswalk)
            assert mapping is not None
            sources = by_type.setdefault(mapping.type, {}).setdefault(entry.lemma, [])
            record = f"{entry.source} [{entry.code}] {entry.kind} mode={mapping.mode}"
            record += f" context={mapping.context}"
            if record not in sources:
                sources.append(record)
    ordered = {t: dict(sorted(by_type[t].items())) for t in sorted(by_type)}
    return Result(ordered, dropped, refused)


def refusal(entry: Entry, crosswalk: dict[str, Mapping], types: set[str]) -> str | None:
    """Why an entry is refused, or None."""
    if not entry.lemma:
        return "empty"
    if not ARABIC_LETTER.search(entry.lemma):
        return "no Arabic letter"
    if len(entry.lemma.split()[0]) <= 2:
        return "would match inside a longer word"
    if not re.fullmatch(r"\d{2,4}", entry.code):
        return "not a CAMEO code"
    mapping = plover(entry.code, crosswalk)
    if mapping is None:
        return "CAMEO code maps to no PLOVER type"
    if mapping.type not in types:
        return "unknown PLOVER type"
    return None


def scheme_types(path: Path = SCHEME) -> set[str]:
    """The event types of the scheme (the ``events:`` keys)."""
    return set(yaml.safe_load(path.read_text(encoding="utf-8"))["events"])


def render(result: Result) -> str:
    body = yaml.safe_dump(result.entries, allow_unicode=True, sort_keys=False, width=200)
    return HEADER + body


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("external", nargs="?", type=Path, default=DEFAULT_EXTERNAL)
    parser.add_argument("--check", action="store_true", help="fail when the committed file differs")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--verbose", action="store_true", help="print every refused entry")
    args = parser.parse_args(argv)
    if not (args.external / "universalpetrarch").is_dir():
        print(f"{args.external}: no universalpetrarch/ folder here", file=sys.stderr)
        return 2
    result = derive(args.external, scheme_types())
    for line in result.refused if args.verbose else []:
        print(f"refused {line}")
    kept = sum(len(v) for v in result.entries.values())
    print(f"derived {kept} entries: " + ", ".join(f"{t} {len(v)}" for t, v in result.entries.items()))
    for reason, count in sorted(result.dropped.items()):
        print(f"dropped {count}: {reason}")
    text = render(result)
    if args.check:
        if args.output.read_text(encoding="utf-8") != text:
            print(f"{args.output} is out of date: run `nox -s lexicon`", file=sys.stderr)
            return 1
        return 0
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
