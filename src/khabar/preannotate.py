"""Pre-annotation: draft entities (and events) for annotators, offline.

Entities come from name lists and context rules (``khabar.entities``); every span
carries its score and the list or rule that produced it, which Label Studio shows.
The producer's version names the code and the data, so a draft is only replaced when
either changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from khabar import __version__, gazetteer
from khabar.entities import EntityFinder
from khabar.model import Document, Layer, Provenance, Span
from khabar.text import Analysis

PRODUCER = "khabar-rules"


@dataclass(frozen=True)
class Annotator:
    """The offline pre-annotator: name lists, context words and the rules over them."""

    entities: EntityFinder
    version: str

    @classmethod
    def load(cls, labels: tuple[str, ...] | None = None, project_lists: Path | None = None) -> Annotator:
        """The shipped lists plus a project's own ``gazetteers/*.yaml``."""
        from khabar.scheme import Scheme

        names = gazetteer.load(labels or Scheme.load().entity_labels, project_lists)
        lexicon = gazetteer.load_lexicon()
        return cls(EntityFinder(names, lexicon), f"{__version__}+{names.version}")

    @property
    def gazetteer(self) -> gazetteer.Gazetteer:
        return self.entities.gazetteer


def run(doc: Document, annotator: Annotator, *, created: str | None = None) -> Layer:
    """The pre-annotation layer of one document."""
    analysis = Analysis.of(doc.text)
    entities = []
    for c in annotator.entities.find(analysis):
        start, end = analysis.start(c.start), analysis.end(c.end)
        entities.append(Span(start, end, c.label, doc.text[start:end], round(c.score, 3), c.rule))
    provenance = Provenance(
        producer=PRODUCER,
        version=annotator.version,
        created=created or datetime.now(UTC).isoformat(timespec="seconds"),
    )
    return Layer(doc.id, "pre", "pre", doc.sha256, provenance, tuple(entities), ())
