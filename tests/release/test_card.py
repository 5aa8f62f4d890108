"""The dataset card's template (card.md.template) filled by khabar.release.card.render."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from khabar.corpus.scheme import Scheme
from khabar.formats import hf
from khabar.release import card
from khabar.release.build import ReleaseInfo, SplitStats

INFO = ReleaseInfo("corpus $name {x}", "1.0.0", "CC-BY-4.0", description="News, $5 a {word}.")


def render(
    scheme: Scheme,
    stats: dict[str, SplitStats],
    *,
    unreviewed: int = 0,
    warnings: Sequence[str] = (),
    extra: str = "",
) -> str:
    present = {"ner": {"train": (3, 100)}} if stats["train"].documents else {}
    feats = hf.features(scheme)
    return card.render(
        INFO, scheme, stats, present, feats, unreviewed=unreviewed, warnings=warnings, extra=extra
    )


def test_every_placeholder_is_filled_and_values_are_taken_as_they_are(scheme: Scheme) -> None:
    stats = {"train": SplitStats(1, 3, 40, Counter({"PER": 2}), Counter({"AGREE": 1}), Counter({"gold": 1}))}
    text = render(scheme, stats)
    assert "${" not in text
    assert "# corpus $name {x} 1.0.0\n\nNews, $5 a {word}.\n" in text
    assert "| train | 1 | 3 | 40 | 2 | 1 |\n| total | 1 | 3 | 40 | 2 | 1 |\n\nSplits are" in text
    assert "Configs and their columns:\n\n- `ner`: `id`" in text
    assert text.endswith("===\n```\n")


def test_empty_lists_leave_no_line_and_optional_parts_come_before_the_scheme(scheme: Scheme) -> None:
    stats = {"train": SplitStats()}
    text = render(scheme, stats, unreviewed=2, warnings=["w1", "w2"], extra="Agreement: high.")
    assert "Configs and their columns:\n\n\nThe same data" in text
    assert "|---|---:|---:|---:|---:|---:|\n| total | 0 | 0 | 0 | 0 | 0 |\n\n" in text
    assert "left out.\n\n### Entities per label" in text  # no figures
    assert (
        "no syntax).\n\nWarnings at release time (they do not block a release):\n\n- w1\n- w2\n\n"
        "Agreement: high.\n\nScheme: `"
    ) in text
    assert "Reviewed by people: all but 2 documents" in text
    assert "**2 documents were released without human review**" in text
