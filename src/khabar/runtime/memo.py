"""Bounded memo dicts: the per-word caches of the hot rules, and the caps that bound them.

Pre-annotation looks words up once and remembers what it found (most words of news come
back again and again). A memo is a plain ``dict``, read directly by the hot loops (a
``dict.get`` is the fastest lookup there is, compiled or not); only writing goes through
:func:`remember`, which stops adding once the memo holds ``cap`` entries. The cap is what
keeps memory flat in corpus size: a long-lived worker meets an open vocabulary (names,
numbers, typos), and an unbounded memo would grow with every new word for as long as it
runs. The entries kept are the first ones met, which are also the most frequent.

A function, not a dict subclass: compiled with mypyc, a subclass of ``dict`` is no native
class and every ``get`` on it would go through the generic, slower path.
"""

from __future__ import annotations

from typing import Final, TypeVar

K = TypeVar("K")
V = TypeVar("V")

#: entries kept of a memo by word form: a few MB, and more distinct forms than a worker
#: usually meets in a shard
WORDS: Final = 100_000
#: entries kept of the CRF featurizer's memos by token: tagging meets more forms than the
#: rules do (every token, not only those that may start a name), and each entry is small
FEATURE_WORDS: Final = 200_000
#: entries kept of a memo of a few kinds of value (most words start nothing, in a few ways)
KINDS: Final = 10_000


def remember(memo: dict[K, V], key: K, value: V, cap: int = WORDS) -> V:
    """Keep ``value`` under ``key`` unless ``memo`` is full; returns ``value``."""
    if len(memo) < cap:
        memo[key] = value
    return value
