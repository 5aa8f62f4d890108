"""CoNLL-U: write documents with entity and trigger tags in MISC; read the tags back.

Each sentence has ``# sent_id`` and ``# text``, each document starts with ``# newdoc id``.
Tokens carry ``SpaceAfter=No`` where the text has no space; a token that a span
boundary cuts becomes a multiword token (see ``khabar.text.segmentation``). Words carry
``NER=<IOB2 tag>`` and, inside triggers, ``Event=<IOB2 tag>`` (``khabar.text.tagging``
makes them and reads them back). UPOS is a placeholder from the characters (PUNCT, NUM,
SYM, ADP/CCONJ for split proclitics, else X); HEAD and DEPREL stay ``_``: the corpus has
no syntax.

This is the only module that imports the ``conllu`` library.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import conllu
import conllu.exceptions

from khabar.corpus.model import Document, Layer, Span
from khabar.errors import InputError
from khabar.text.segmentation import Sentence, segment
from khabar.text.tagging import Tag, runs


def sentence_lines(doc_id: str, sentence: Sentence) -> Iterator[str]:
    yield f"# sent_id = {doc_id}-s{sentence.index}"
    yield f"# text = {sentence.text}"
    n = 0
    for token in sentence.tokens:
        space = "_" if token.space_after else "SpaceAfter=No"
        if token.is_multiword:
            yield f"{n + 1}-{n + len(token.words)}\t{token.form}\t_\t_\t_\t_\t_\t_\t_\t{space}"
        for word in token.words:
            n += 1
            misc = [f"NER={word.ner}"]
            if word.event != "O":
                misc.insert(0, f"Event={word.event}")
            if not token.is_multiword and not token.space_after:
                misc.append("SpaceAfter=No")
            yield f"{n}\t{word.form}\t_\t{word.upos}\t_\t_\t_\t_\t_\t{'|'.join(misc)}"
    yield ""


def document_lines(
    doc: Document, layer: Layer | None, sentences: list[Sentence] | None = None
) -> Iterator[str]:
    """The CoNLL-U lines of a document (``sentences``: its segmentation, when already made)."""
    yield f"# newdoc id = {doc.id}"
    for sentence in sentences if sentences is not None else segment(doc, layer):
        yield from sentence_lines(doc.id, sentence)


def to_conllu(items: Iterable[tuple[Document, Layer | None]]) -> Iterator[str]:
    """CoNLL-U text, one document at a time, each line ending in ``\\n``."""
    for doc, layer in items:
        yield "".join(line + "\n" for line in document_lines(doc, layer))


@dataclass(frozen=True, slots=True)
class ReadDocument:
    id: str
    entities: tuple[Span, ...]
    triggers: tuple[Span, ...]


def read_spans(data: str, texts: dict[str, str]) -> list[ReadDocument]:
    """Entity and trigger spans of every document in CoNLL-U ``data``, as offsets into
    ``texts[doc_id]``: the forms are aligned with the text, skipping white space."""
    docs: list[ReadDocument] = []
    current: _Reader | None = None
    try:
        parsed = conllu.parse(data)
    except conllu.exceptions.ParseException as err:
        raise InputError(f"not valid CoNLL-U ({err})") from err
    for sentence in parsed:
        doc_id = sentence.metadata.get("newdoc id")
        if doc_id is not None:
            if current:
                docs.append(current.done())
            if doc_id not in texts:
                raise InputError(f"CoNLL-U document {doc_id!r} has no text to align with")
            current = _Reader(doc_id, texts[doc_id])
        if current is None:
            raise InputError("CoNLL-U data does not start with '# newdoc id'")
        current.sentence(sentence)
    if current:
        docs.append(current.done())
    return docs


class _Reader:
    def __init__(self, doc_id: str, text: str) -> None:
        self.doc_id = doc_id
        self.text = text
        self.pos = 0
        self.words: list[tuple[int, int, str, str]] = []  # start, end, ner, event

    def sentence(self, sentence: conllu.TokenList) -> None:
        skip_until = 0
        for token in sentence:
            tid = token["id"]
            if isinstance(tid, tuple):  # multiword token: (first, "-", last)
                start = self._take(token["form"], sentence.metadata["sent_id"])
                cursor = start
                members = [t for t in sentence if isinstance(t["id"], int) and tid[0] <= t["id"] <= tid[2]]
                for word in members:
                    cursor = self._word(word, cursor)
                skip_until = tid[2]
                continue
            if tid <= skip_until:
                continue
            start = self._take(token["form"], sentence.metadata["sent_id"])
            self._add(token, start, start + len(token["form"]))

    def _take(self, form: str, where: str) -> int:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1
        if not self.text.startswith(form, self.pos):
            raise InputError(f"{where}: form {form!r} does not match the text at offset {self.pos}")
        start = self.pos
        self.pos += len(form)
        return start

    def _word(self, word: conllu.Token, cursor: int) -> int:
        form = word["form"]
        if self.text.startswith(form, cursor):
            end = cursor + len(form)
        elif form.startswith("ا") and self.text.startswith(form[1:], cursor):
            end = cursor + len(form) - 1  # the restored alif of ل + ال
        else:
            raise InputError(f"{self.doc_id}: word {form!r} does not match the text at offset {cursor}")
        self._add(word, cursor, end)
        return end

    def _add(self, word: conllu.Token, start: int, end: int) -> None:
        misc = word["misc"] or {}
        self.words.append((start, end, misc.get("NER", "O"), misc.get("Event", "O")))

    def done(self) -> ReadDocument:
        return ReadDocument(self.doc_id, self._spans(2), self._spans(3))

    def _spans(self, column: int) -> tuple[Span, ...]:
        # khabar writes IOB2: a tag other than B- or I- is read as O
        tags: list[Tag] = []
        for word in self.words:
            tag = str(word[column])
            tags.append((tag[0], tag[2:]) if tag.startswith(("B-", "I-")) else None)
        text = self.text
        spans: list[Span] = []
        for a, b, label in runs(tags)[0]:
            start, end = self.words[a][0], self.words[b - 1][1]
            spans.append(Span(start, end, label, text[start:end]))
        return tuple(spans)
