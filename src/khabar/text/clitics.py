"""Proclitics: the conjunctions and prepositions written on the front of a word (و ف ب ك ل),
and the ways to read a word as proclitics + stem (schemas/guidelines.md rule 2)."""

from __future__ import annotations

import functools

CONJUNCTIONS = ("", "و", "ف")
PREPOSITIONS = ("", "ب", "ك", "ل")
PROCLITIC_LETTERS = frozenset("وفبكل")
# what the rules allow before a name, as their patterns' [وف]?[بلك]?
PROCLITICS = frozenset(conj + prep for conj in CONJUNCTIONS for prep in PREPOSITIONS)


@functools.lru_cache(maxsize=1 << 16)
def proclitic_analyses(word: str, min_stem: int = 2) -> tuple[tuple[int, str], ...]:
    """Ways to read ``word`` (normalised) as proclitics + stem: (stem offset, lookup form).

    The whole word comes first, then readings that strip fewer letters. For ل + ال
    («للناتو») the stem starts at the second ل and is looked up with its alif restored.
    """
    if word[:1] not in PROCLITIC_LETTERS:
        return ((0, word),) if len(word) >= min_stem else ()
    found = [(0, word)]
    for conj in CONJUNCTIONS:
        for prep in PREPOSITIONS:
            prefix = conj + prep
            if not prefix or not word.startswith(prefix):
                continue
            cut = len(prefix)
            if prep == "ل" and word.startswith(conj + "لل"):
                found.append((cut, "ا" + word[cut:]))
            found.append((cut, word[cut:]))
    seen = set()
    out = []
    for cut, form in found:
        if (cut, form) not in seen and len(form) >= min_stem:
            seen.add((cut, form))
            out.append((cut, form))
    return tuple(sorted(out, key=lambda item: item[0]))
