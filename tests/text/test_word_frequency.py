"""Word frequencies from wordfreq's data, as the CRF's Zipf bands."""

from __future__ import annotations

import gzip
from pathlib import Path

import msgpack
import pytest

from khabar.errors import KhabarError
from khabar.text import word_frequency
from khabar.text.analysis import normalize
from khabar.text.word_frequency import zipf_bands


def test_common_words_are_in_higher_bands_than_names_and_rare_words() -> None:
    bands = zipf_bands()
    assert len(bands) > 400_000  # wordfreq's large Arabic list, not the small one
    assert bands.band("في") == 7
    assert bands.band("في") > bands.band("الرياض") > bands.band("فينوجرادوف") > 0
    assert bands.band("كلمةلاتوجد") == 0  # a form wordfreq does not have


def test_spellings_are_looked_up_by_their_normalised_form() -> None:
    """wordfreq writes «أحمد» with its hamza; the featurizer looks forms up normalised."""
    bands = zipf_bands()
    assert normalize("أحمد") != "أحمد" and bands.band(normalize("أحمد")) >= 5


def test_a_missing_word_list_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(word_frequency, "_WORDLIST", "wordfreq/data/large_xx.msgpack.gz")
    with pytest.raises(KhabarError, match=r"large_xx\.msgpack\.gz\) is not installed") as caught:
        zipf_bands.__wrapped__()
    assert caught.value.hint and "wordfreq" in caught.value.hint


def test_a_word_list_in_another_format_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    changed = tmp_path / "large_ar.msgpack.gz"
    changed.write_bytes(gzip.compress(msgpack.packb([{"format": "cB", "version": 2}, [], ["في"]])))
    monkeypatch.setattr(word_frequency, "wordlist_path", lambda: changed)
    with pytest.raises(KhabarError, match="not wordfreq's word list format"):
        zipf_bands.__wrapped__()


def test_the_source_names_the_version_models_were_trained_with() -> None:
    assert word_frequency.source() == "wordfreq 3.1.1, large_ar.msgpack.gz"
