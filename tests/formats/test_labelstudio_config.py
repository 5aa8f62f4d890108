"""The labeling config as an annotator sees it: colours that show on white, triggers styled
apart from entities, room for relations (pure; the server accepts it in the integration tests)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from khabar.corpus.scheme import Scheme
from khabar.formats.labelstudio import label_config

#: WCAG 2.1 success criterion 1.4.11 (non-text contrast): 3:1 against the adjacent colour.
#: Label Studio tints an entity's background with its colour (30% over white) and khabar
#: underlines a trigger in it, both on the white page.
MINIMUM_CONTRAST = 3.0


def relative_luminance(color: str) -> float:
    """WCAG 2.1 relative luminance of a colour like '#e6194b'."""
    channels = [int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    light, dark = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_contrast_formula_matches_wcag() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#ffffff", "#ffffff") == pytest.approx(1.0)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)  # the AA grey


def test_every_label_colour_shows_on_white(scheme: Scheme) -> None:
    faint = {
        x.name: f"{x.color} ({contrast(x.color, '#ffffff'):.2f}:1)"
        for x in (*scheme.entities, *scheme.events)
        if contrast(x.color, "#ffffff") < MINIMUM_CONTRAST
    }
    assert not faint, f"colours below {MINIMUM_CONTRAST}:1 on white in schemas/scheme.yaml: {faint}"


def test_colours_within_a_group_differ(scheme: Scheme) -> None:
    for group in (scheme.entities, scheme.events):
        colours = [x.color.lower() for x in group]
        assert len(set(colours)) == len(colours)


def test_triggers_are_bold_and_underlined_and_entities_are_not(scheme: Scheme) -> None:
    root = ET.fromstring(label_config(scheme))
    style = root.find("Style")
    assert style is not None and style.text is not None
    for event in scheme.events:
        assert f'[data-label="{event.name}"]' in style.text
        assert f'[data-label$=":{event.name}"]' in style.text
        assert f"border-bottom: 3px solid {event.color}" in style.text
    for entity in scheme.entities:
        assert f'"{entity.name}"' not in style.text and f":{entity.name}" not in style.text
    headers = [h.get("value") for h in root.iter("Header")]
    assert "Entities (highlighted)" in headers and "Event triggers (bold, underlined)" in headers


def test_lines_are_tall_enough_for_badges_and_arrows(scheme: Scheme) -> None:
    root = ET.fromstring(label_config(scheme))
    text_view = next(v for v in root.iter("View") if v.find("Text") is not None)
    style = dict(
        (k.strip(), v.strip())
        for k, v in (p.split(":") for p in (text_view.get("style") or "").split(";") if p)
    )
    assert style["direction"] == "rtl" and float(style["line-height"]) >= 3
    # Label Studio's text container sets its own line height: the Style block overrides it
    css = root.findtext("Style") or ""
    rule = re.search(r"\.lsf-richtext__container \{([^}]*)\}", css)
    assert rule is not None and re.search(r"line-height: ([\d.]+) !important", rule.group(1))
    assert float(re.search(r"line-height: ([\d.]+)", rule.group(1)).group(1)) >= 3  # type: ignore[union-attr]


def test_guidelines_become_wrapped_html_with_arabic_set_right_to_left() -> None:
    from khabar.formats.labelstudio import guidelines_html

    markdown = (
        "# Rules\n\n1. Proclitics stay outside: «لأوكرانيا» → «أوكرانيا».\n\n"
        "    an indented block\n\nنص عربي كامل.\n\n<script>alert(1)</script>\n"
    )
    rendered = guidelines_html(markdown)
    assert "<pre" not in rendered and "<script>" not in rendered and "&lt;script&gt;" in rendered
    assert '<h1 dir="auto">Rules</h1>' in rendered
    assert '<bdi dir="rtl">«لأوكرانيا»</bdi> → <bdi dir="rtl">«أوكرانيا»</bdi>' in rendered
    assert '<p dir="rtl"><bdi dir="rtl">نص عربي كامل</bdi>.</p>' in rendered
    assert '<p dir="auto">an indented block</p>' in rendered
    assert guidelines_html("  \n") == ""


def test_the_projects_instructions_carry_the_shipped_guidelines(scheme: Scheme) -> None:
    from khabar.formats.labelstudio import instructions
    from tests.helpers import ROOT

    text = instructions(scheme, (ROOT / "schemas" / "guidelines.md").read_text(encoding="utf-8"))
    assert "<pre" not in text and 'dir="rtl"' in text and "Relations panel" in text
