"""Validation (pandera tables), per-document results, evaluation against gold, agreement."""
