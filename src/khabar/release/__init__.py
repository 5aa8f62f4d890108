"""Releases: build, check, dataset card, diff between releases, publishing."""
