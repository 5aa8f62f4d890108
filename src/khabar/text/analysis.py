"""Canonical text, sentences and tokens with offsets, and the analysis view for matching.

The canonical text is fixed at ingest: Unicode NFC, newlines as ``\\n``, surrounding white
space stripped, nothing else. Normalisation for matching (tashkeel, tatweel, hamza forms,
alif maqsura, taa marbuta, digits, invisible marks) happens on :class:`Analysis`, a
separate view that maps every position back to the canonical text, because pyarabic's
strip functions delete characters and must never touch the stored text.

This is the only module that imports pyarabic.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from pyarabic import araby

# --- canonical text -------------------------------------------------------------------


def canonical(raw: str) -> str:
    """The canonical form of an article: NFC, ``\\n`` newlines, no surrounding space."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text).strip()


def canonical_offsets(raw: str) -> tuple[str, list[int]] | None:
    """The canonical text and, for each position 0..len(raw) of ``raw``, its position there.

    Spans given on a raw text move with it. Positions inside a ``\\r\\n`` pair, or inside a
    letter and its combining marks that NFC rewrites, map to the start of that unit. Returns ``None``
    in the rare case where NFC composes across units (Hangul jamo, for instance), so the
    caller can ask for NFC input instead of guessing.
    """
    pieces: list[str] = []
    where = [0] * (len(raw) + 1)
    pos = i = 0
    n = len(raw)
    while i < n:
        j = i + 1
        if raw[i] == "\r":
            piece = "\n"
            if j < n and raw[j] == "\n":
                j += 1
        else:
            while j < n and unicodedata.combining(raw[j]):
                j += 1
            piece = unicodedata.normalize("NFC", raw[i:j])
        if piece == raw[i:j]:
            for k in range(i, j):
                where[k] = pos + k - i
        else:  # NFC changed this unit (composed or reordered marks): its inside has no image
            for k in range(i, j):
                where[k] = pos
        pieces.append(piece)
        pos += len(piece)
        i = j
    where[n] = pos
    joined = "".join(pieces)
    if not unicodedata.is_normalized("NFC", joined):
        return None
    text = joined.strip()
    lead = len(joined) - len(joined.lstrip())
    return text, [min(max(w - lead, 0), len(text)) for w in where]


# --- sentences and tokens -------------------------------------------------------------

_CLOSERS = "»\"”'’)]"
# «[.!?؟…]+[closers]*(?=\s|$)|\n», written to start with one character class: the regex
# engine then skips to candidates in C, four times faster on news text. A full stop right
# after a one-letter Arabic word is an abbreviation, not an end: «د. عزيز الدويك»، «أ.د.».
_END_MARKS = ".!?؟…\n"
_ABBREVIATION = r"(?<=(?<![^\s.])[\u0621-\u064a]\.)"
_SENTENCE_END = re.compile(
    rf"[{_END_MARKS}](?!{_ABBREVIATION})(?:(?<=\n)|[.!?؟…]*[{re.escape(_CLOSERS)}]*(?=\s|$))"
)
# Combining marks that belong to the word before them (tashkeel, Quranic marks, dagger alef).
_MARKS = "\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e8\u06ea-\u06ed"
_TOKEN = re.compile(rf"\d+(?:[.,٫٬]\d+)+|[\w{_MARKS}\u200c\u200d]+|\S")


def sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans: a line is split after . ! ? ؟ … (with closing quotes) before a space.

    Headlines without a final full stop end at their line; the Arabic comma never ends
    a sentence. Spans carry no surrounding white space.
    """
    spans = []
    start = 0
    for end in sentence_ends(text):  # the last is len(text)
        spans.append((start, end))
        start = end
    out = []
    for a, b in spans:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if a < b:
            out.append((a, b))
    return out


def sentence_ends(text: str) -> list[int]:
    """Where sentences end, white space after them included, and ``len(text)`` last
    (:func:`sentences` trims them; telling which sentence a word is in needs no more)."""
    # the same ends as _SENTENCE_END.finditer, twice as fast: a match starts with one of a
    # few rare characters, which str.find reaches at C speed; the regex is tried only there
    candidates = []
    for mark in _END_MARKS:
        at = text.find(mark)
        while at != -1:
            candidates.append(at)
            at = text.find(mark, at + 1)
    candidates.sort()
    ends: list[int] = []
    for at in candidates:
        if (not ends or at >= ends[-1]) and (match := _SENTENCE_END.match(text, at)) is not None:
            ends.append(match.end())
    ends.append(len(text))
    return ends


def tokens(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Token spans in ``text[start:end]``: words with their marks, numbers, single symbols."""
    return [m.span() for m in _TOKEN.finditer(text, start, len(text) if end is None else end)]


# Characters a span never starts or ends with (schemas/guidelines.md rule 1).
SPAN_EDGE = frozenset(" \t\n\u00a0«»\"'“”‘’()[]{}.,،;؛:!?؟-–—…")


# --- the analysis view ----------------------------------------------------------------

# Marks that belong to the letter before them: a span keeps those after its last letter.
_WORD_MARKS = (
    set(araby.TASHKEEL)
    | {araby.TATWEEL, araby.MINI_ALEF, araby.HAMZA_ABOVE, araby.HAMZA_BELOW, araby.MADDA_ABOVE}
    | {chr(c) for c in range(0x064B, 0x0660)}
    | {chr(c) for c in range(0x0610, 0x061B)}
    | {chr(c) for c in range(0x06D6, 0x06EE)}
)
# Zero-width and bidi marks: invisible, but they would break matches.
INVISIBLE = frozenset(
    "\u061c\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"
)
_DROP = _WORD_MARKS | INVISIBLE
_ONE_TO_ONE = {
    araby.ALEF_HAMZA_ABOVE: araby.ALEF,
    araby.ALEF_HAMZA_BELOW: araby.ALEF,
    araby.ALEF_MADDA: araby.ALEF,
    araby.ALEF_WASLA: araby.ALEF,
    araby.ALEF_MAKSURA: araby.YEH,
    araby.TEH_MARBUTA: araby.HEH,
    araby.WAW_HAMZA: araby.WAW,
    araby.YEH_HAMZA: araby.YEH,
    "\u06a9": "\u0643",  # Persian keheh -> kaf
    "\u06cc": araby.YEH,  # Persian yeh
    **{chr(0x0660 + d): str(d) for d in range(10)},  # Arabic-Indic digits
    **{chr(0x06F0 + d): str(d) for d in range(10)},  # extended (Persian) digits
    **{chr(c): chr(c + 32) for c in range(ord("A"), ord("Z") + 1)},
}
_TABLE = str.maketrans(_ONE_TO_ONE)
# The same table for the Basic Multilingual Plane as an array: str.translate looks every
# character up in a dict, numpy indexes an array (nine times faster on Arabic text).
_BMP_TABLE = np.arange(0x10000, dtype=np.uint32)
_BMP_TABLE[[ord(k) for k in _ONE_TO_ONE]] = [ord(v) for v in _ONE_TO_ONE.values()]


def _one_to_one(text: str) -> str:
    """``text.translate(_TABLE)``, faster (but for short strings, where numpy's set-up costs more)."""
    if len(text) < 100:
        return text.translate(_TABLE)
    # surrogatepass: a lone surrogate (from a JSON escape) is a character like any other here
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    if codes.max() >= 0x10000:
        return text.translate(_TABLE)
    return _BMP_TABLE[codes].tobytes().decode("utf-32-le", "surrogatepass")


_SLOW = re.compile("[" + "".join(sorted(_DROP)) + "\ufb50-\ufdff\ufe70-\ufefe]")


def normalize(text: str) -> str:
    """The matching form of a string (what :class:`Analysis` holds), without the map."""
    return Analysis.of(text).norm


@dataclass(frozen=True, slots=True)
class Analysis:
    """A normalised view of a canonical text, for matching.

    ``norm`` drops tashkeel, tatweel, dagger alif and invisible marks, unifies hamza
    forms, alif maqsura, taa marbuta, Persian letters and digits, lower-cases Latin
    letters and expands presentation-form ligatures. The map back is kept as runs:
    norm positions from ``runs[k]`` on follow canonical positions from ``origins[k]``
    one to one (a ligature's letters all point at the ligature); no runs means the two
    line up one to one.
    """

    text: str
    norm: str
    runs: tuple[int, ...] = ()
    origins: tuple[int, ...] = ()
    copies: tuple[bool, ...] = ()  # whether a run advances with the text (not a ligature's letters)

    @classmethod
    def of(cls, text: str) -> Analysis:
        if not _SLOW.search(text):
            return cls(text, _one_to_one(text))
        out: list[str] = []
        runs: list[int] = []
        origins: list[int] = []
        copies: list[bool] = []
        size = 0  # length of norm so far
        kept = 0  # start of the run of plain characters not yet copied
        for match in _SLOW.finditer(text):
            pos = match.start()
            if pos > kept:
                runs.append(size)
                origins.append(kept)
                copies.append(True)
                out.append(text[kept:pos])
                size += pos - kept
            ch = text[pos]
            if ch not in _DROP:  # a presentation form: its compatibility letters
                parts = "".join(p for p in unicodedata.normalize("NFKC", ch) if p not in _DROP)
                if parts:
                    runs.append(size)
                    origins.append(pos)
                    copies.append(False)
                    out.append(parts)
                    size += len(parts)
            kept = pos + 1
        if kept < len(text):
            runs.append(size)
            origins.append(kept)
            copies.append(True)
            out.append(text[kept:])
        return cls(text, _one_to_one("".join(out)), tuple(runs), tuple(origins), tuple(copies))

    def _position(self, i: int) -> int:
        """Canonical position of the character at norm position ``i``."""
        k = bisect.bisect_right(self.runs, i) - 1
        return self.origins[k] + (i - self.runs[k] if self.copies[k] else 0)

    def to_norm(self, pos: int) -> int:
        """The norm position of canonical position ``pos`` (of the next kept letter, when
        ``pos`` is a dropped mark)."""
        if not self.runs:
            return pos
        k = bisect.bisect_right(self.origins, pos) - 1
        if k < 0:
            return 0
        length = (self.runs[k + 1] if k + 1 < len(self.runs) else len(self.norm)) - self.runs[k]
        offset = pos - self.origins[k] if self.copies[k] else (0 if pos == self.origins[k] else length)
        return self.runs[k] + min(offset, length)

    def start(self, i: int) -> int:
        """Canonical position of norm position ``i`` (a span start)."""
        if not self.runs:
            return i
        return self._position(i) if i < len(self.norm) else len(self.text)

    def end(self, i: int) -> int:
        """Canonical end of a span ending at norm position ``i`` (exclusive).

        Marks that follow the last letter (tashkeel, tatweel) stay inside the span, as a
        reader would select the whole written word.
        """
        if not self.runs:
            return i
        if i == 0:
            return 0
        pos = self._position(i - 1) + 1
        while pos < len(self.text) and self.text[pos] in _WORD_MARKS:
            pos += 1
        return pos

    def words(self) -> Iterator[tuple[int, int]]:
        """Word spans in ``norm`` (letters and digits)."""
        for match in _WORD.finditer(self.norm):
            yield match.span()


_WORD = re.compile(r"\w+")


def simhash(text: str) -> int:
    """A 64-bit fingerprint of a text's word trigrams (analysis view): near-duplicate
    texts differ in few bits, different texts in about half of them."""
    words = _WORD.findall(Analysis.of(text).norm)
    grams = [" ".join(words[k : k + 3]).encode() for k in range(max(1, len(words) - 2))]
    # two CRCs make a 64-bit hash per trigram: fast, and the same in every process
    hashes = np.fromiter(
        (zlib.crc32(g) | zlib.crc32(g, 0x9E3779B9) << 32 for g in grams), dtype=np.uint64, count=len(grams)
    )
    bits = np.unpackbits(hashes.view(np.uint8)).reshape(len(grams), 64)
    majority = bits.sum(axis=0) * 2 > len(grams)
    return int(np.packbits(majority).view(">u8")[0])
