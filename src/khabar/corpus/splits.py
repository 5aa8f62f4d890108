"""Which split a document belongs to (a hash of its id, so it never moves between
releases), and the plain names releases and models may have."""

from __future__ import annotations

import hashlib
import re

#: a release version or model id: letters, digits, ".", "_" and "-", never a path
VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
SPLITS = ("train", "validation", "test")


def split_of(doc_id: str, percentages: dict[str, int]) -> str:
    """The split of a document: a hash of its id into 100 buckets, cut by percentages."""
    bucket = int(hashlib.sha256(doc_id.encode("utf-8")).hexdigest()[:8], 16) % 100
    cumulative = 0
    for split in SPLITS:
        cumulative += percentages.get(split, 0)
        if bucket < cumulative:
            return split
    return SPLITS[-1]
