"""The Hugging Face side of a release: parquet files per config and split, and the
features that ``datasets.load_dataset(<release dir>, <config>)`` reads back.

Configs:
- ``ner``: one row per sentence; ``tokens`` (syntactic words, proclitics split as in
  CoNLL-U) and ``ner_tags`` as a ClassLabel sequence of IOB2 tags from the scheme;
- ``documents``: one row per document: text, metadata, entities and events with offsets;
- ``events``: one row per event: type, realis, trigger and argument texts.

This is the only module that imports ``datasets``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import datasets
import pyarrow as pa
import pyarrow.parquet as pq

from khabar.corpus.model import Document, Layer
from khabar.corpus.scheme import Scheme
from khabar.errors import InputError
from khabar.text.segmentation import Sentence

CONFIGS = ("ner", "documents", "events")


def features(scheme: Scheme) -> dict[str, datasets.Features]:
    string, int32 = datasets.Value("string"), datasets.Value("int32")
    span = {"start": int32, "end": int32, "text": string}
    return {
        "ner": datasets.Features(
            {
                "id": string,
                "doc_id": string,
                "tokens": datasets.List(string),
                "ner_tags": datasets.List(datasets.ClassLabel(names=list(scheme.ner_tags()))),
            }
        ),
        "documents": datasets.Features(
            {
                "id": string,
                "text": string,
                "title": string,
                "url": string,
                "published": string,
                "source": string,
                "layer": string,
                "entities": datasets.List({"start": int32, "end": int32, "label": string, "text": string}),
                "events": datasets.List(
                    {
                        "type": string,
                        "realis": string,
                        "trigger": span,
                        "arguments": datasets.List({"role": string, **span}),
                    }
                ),
            }
        ),
        "events": datasets.Features(
            {
                "id": string,
                "doc_id": string,
                "sentence": int32,
                "type": string,
                "realis": string,
                "trigger": string,
                "trigger_start": int32,
                "trigger_end": int32,
                **{role.lower(): datasets.List(string) for role in scheme.role_names},
            }
        ),
    }


def ner_rows(doc: Document, sentences: list[Sentence], scheme: Scheme) -> list[dict[str, Any]]:
    tag_ids = {tag: i for i, tag in enumerate(scheme.ner_tags())}
    return [
        {
            "id": f"{doc.id}-s{s.index}",
            "doc_id": doc.id,
            "tokens": [w.form for w in s.words],
            "ner_tags": [tag_ids[w.ner] for w in s.words],
        }
        for s in sentences
    ]


def document_row(doc: Document, layer: Layer | None, record: dict[str, Any]) -> dict[str, Any]:
    """``record`` is the interchange record of the document (khabar.interchange.to_record)."""
    return {
        "id": doc.id,
        "text": doc.text,
        "title": doc.title,
        "url": doc.url,
        "published": doc.published,
        "source": doc.source,
        "layer": layer.kind if layer else None,
        "entities": record["entities"],
        "events": record["events"],
    }


def event_rows(
    doc: Document, layer: Layer | None, sentences: list[Sentence], scheme: Scheme
) -> list[dict[str, Any]]:
    if layer is None:
        return []
    starts = [(s.start, s.end, s.index) for s in sentences]
    rows = []
    for k, event in enumerate(layer.events, start=1):
        t = event.trigger
        sentence = next((i for a, b, i in starts if a <= t.start < b), 0)
        row: dict[str, Any] = {
            "id": f"{doc.id}-e{k}",
            "doc_id": doc.id,
            "sentence": sentence,
            "type": event.type,
            "realis": event.realis,
            "trigger": t.text,
            "trigger_start": t.start,
            "trigger_end": t.end,
        }
        for role in scheme.role_names:
            row[role.lower()] = [doc.text[a.start : a.end] for a in event.arguments if a.role == role]
        rows.append(row)
    return rows


class ParquetSink:
    """Rows written to one parquet file in batches, with the features in its schema
    metadata (so ``datasets`` reads ClassLabel names back): memory stays flat."""

    def __init__(self, path: Path, feats: datasets.Features, batch: int) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.schema = feats.arrow_schema
        self.writer = pq.ParquetWriter(str(path), self.schema)
        self.batch = batch
        self.rows: list[dict[str, Any]] = []
        self.count = 0
        self.nbytes = 0

    def add(self, rows: list[dict[str, Any]]) -> None:
        self.rows.extend(rows)
        if len(self.rows) >= self.batch:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            table = pa.Table.from_pylist(self.rows, schema=self.schema)
            self.writer.write_table(table)
            self.count += table.num_rows
            self.nbytes += table.nbytes
            self.rows = []

    def close(self) -> tuple[int, int]:
        """Write what is left; returns the rows written and their size in Arrow form."""
        self.flush()
        self.writer.close()
        return self.count, self.nbytes


def read_rows(path: Path) -> list[dict[str, Any]]:
    """The rows of a release's parquet file (none when the file is missing)."""
    if not path.exists():
        return []
    try:
        return list(pq.read_table(str(path)).to_pylist())
    except (pa.ArrowException, OSError) as err:
        raise InputError(f"not a readable parquet file ({err})") from err


def yaml_features(feats: datasets.Features) -> list[Any]:
    """Features as the ``dataset_info`` block of a dataset card writes them."""
    # Features._to_yaml_list is what datasets itself uses when it writes a card.
    return feats._to_yaml_list()  # type: ignore[no-any-return]


def load(path: Path, config: str) -> datasets.DatasetDict:
    """Load a release the way a researcher does (used by ``release check`` and tests)."""
    return datasets.load_dataset(str(path), config)
