"""How common a word is in Arabic at large: wordfreq's frequencies, as Zipf bands.

A CRF knows the words it was trained on. A name it never saw (a transliterated surname, a
club) is to it just another unknown word, and so is a common word it happens not to have
met. How often a word is written in Arabic at large tells the two apart, and carries over
to words the training data never had: as features of a token and of its reading without
proclitics, the bands moved the model on ANERcorp's usual test part from 0.727 to 0.745,
and on a second split from 0.815 to 0.830 (docs/learning.md).

The frequencies are wordfreq's (code Apache 2.0, data CC BY-SA 4.0: Wikipedia, subtitles,
news, the web, Twitter), read at run time from the installed package, which ships them;
nothing of them is copied into khabar or into a model (a model holds band numbers, not
words). The file is read here, in wordfreq's "cBpack" format (gzipped msgpack), without
importing wordfreq: its import inspects the call stack, which loads every lazily imported
module of the caller's (khabar's CLI among them) half-way. This is the only module that
reads wordfreq's data or imports msgpack.
"""

from __future__ import annotations

import gzip
from array import array
from bisect import bisect_left
from functools import cache
from importlib import metadata
from pathlib import Path

import msgpack

from khabar.errors import KhabarError
from khabar.text.analysis import normalize

_WORDLIST = "wordfreq/data/large_ar.msgpack.gz"


class ZipfBands:
    """Normalised word forms and their Zipf bands, held as sorted hashes (8 bytes a form
    rather than a string's 70 or so: wordfreq has half a million Arabic forms). The hashes
    are Python's own, valid for this process only, so a table is made per process
    (:func:`zipf_bands`) and never saved."""

    def __init__(self, hashes: array[int], bands: bytes) -> None:
        """``hashes``: the forms' hashes, sorted and each once; ``bands``: their bands."""
        self._hashes = hashes
        self._bands = bands

    def __len__(self) -> int:
        return len(self._hashes)

    def band(self, form: str) -> int:
        """The form's band, 1 (about once in a hundred million words) to 7 (the commonest
        function words); 0 for a form rarer than that, or one wordfreq does not have."""
        h = hash(form)
        k = bisect_left(self._hashes, h)
        return self._bands[k] if k < len(self._hashes) and self._hashes[k] == h else 0


def wordlist_path() -> Path:
    """Where the installed wordfreq keeps its Arabic word list."""
    try:
        path: Path | None = Path(str(metadata.distribution("wordfreq").locate_file(_WORDLIST)))
    except metadata.PackageNotFoundError:
        path = None
    if path is None or not path.is_file():
        raise KhabarError(
            f"wordfreq's Arabic word list ({_WORDLIST}) is not installed",
            hint="reinstall khabar's dependencies (`pip install khabar`), which pin wordfreq",
        )
    return path


def source() -> str:
    """What the bands are read from, as a model's meta.json records it."""
    return f"wordfreq {metadata.version('wordfreq')}, {wordlist_path().name}"


@cache
def zipf_bands() -> ZipfBands:
    """The bands of every normalised form wordfreq has for Arabic: the whole part of log10
    of a word's frequency per billion words. Of spellings that normalise alike («أحمد»،
    «احمد»), the commonest's."""
    path = wordlist_path()
    # one form's hash and band in one sortable number: sorted, a form's commonest spelling
    # comes first. Buckets are read one at a time: the whole list as strings would take 60 MB.
    keys: list[int] = []
    with gzip.open(path, "rb") as packed:
        unpacker = msgpack.Unpacker(packed, raw=False)
        buckets = unpacker.read_array_header() - 1
        header = unpacker.unpack()
        if header != {"format": "cB", "version": 1}:
            raise KhabarError(f"{path}: not wordfreq's word list format (cB, version 1): {header!r}")
        # bucket k holds the words of frequency 10^(-k/100), the commonest first
        for centibels in range(buckets):
            bucket = unpacker.unpack()
            if bucket:
                band = min(15, max(0, int(9 - centibels / 100)))
                # a newline normalises to itself, so one call serves the whole bucket
                forms = normalize("\n".join(bucket)).split("\n")
                keys.extend((hash(form) << 4) | (15 - band) for form in forms)
    keys.sort()
    hashes: array[int] = array("q")
    bands = bytearray()
    for key in keys:
        if not hashes or key >> 4 != hashes[-1]:
            hashes.append(key >> 4)
            bands.append(15 - (key & 15))
    return ZipfBands(hashes, bytes(bands))
