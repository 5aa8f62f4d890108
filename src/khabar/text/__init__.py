"""Canonical text and its analysis view, clitics, segmentation into sentences and words, span snapping."""
