"""The dataset card of a release: its template (card.md.template) filled in, and its charts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from importlib import resources
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING, Any

import matplotlib

matplotlib.use("Agg")  # files only, never a window
import matplotlib.pyplot as plt
import yaml

from khabar.corpus.scheme import Label, Scheme
from khabar.formats import hf

if TYPE_CHECKING:
    from khabar.release.build import ReleaseInfo, SplitStats

# The card's fixed text and layout; render() computes what fills its ${placeholders}. A list
# (${columns}, ${figures}, ${warnings} ...) starts a line and stands for whole lines, each with
# its newline, so an empty one leaves no line.
TEMPLATE = Template(
    resources.files("khabar.release").joinpath("card.md.template").read_text(encoding="utf-8")
)
WARNINGS = "Warnings at release time (they do not block a release):"
LICENSE_IDS = {"CC-BY-4.0": "cc-by-4.0", "CC-BY-SA-4.0": "cc-by-sa-4.0", "CC0-1.0": "cc0-1.0", "MIT": "mit"}
COLUMNS = {
    "ner": "`id` (document id and sentence number), `doc_id`, `tokens` (words: proclitics split off as in "
    "CoNLL-U), `ner_tags` (IOB2, a ClassLabel sequence)",
    "documents": "`id`, `text` (canonical), `title`, `url`, `published`, `source`, `layer` (the kind of "
    "layer released: gold, review or adjudicated), `entities` (`start`, `end`, `label`, `text`), "
    "`events` (`type`, `realis`, `trigger`, `arguments` with `role`, `start`, `end`, `text`)",
    "events": "`id`, `doc_id`, `sentence`, `type`, `realis`, `trigger`, `trigger_start`, `trigger_end`, and "
    "the texts of each role (`actor`, `recipient`, `place`, `time`)",
}


def figures(folder: Path, scheme: Scheme, stats: dict[str, SplitStats]) -> list[str]:
    """Bar charts of entity labels and event types per split, as PNG (reproducible bytes)."""
    splits = [s for s, st in stats.items() if st.documents]
    if not splits:
        return []
    folder.mkdir(parents=True, exist_ok=True)
    made = []
    for name, labels, attr in (
        ("entities", scheme.entity_labels, "entities"),
        ("events", scheme.event_types, "events"),
    ):
        fig, ax = plt.subplots(figsize=(8, 0.35 * len(labels) + 1.2), dpi=100)
        left = [0] * len(labels)
        for split in splits:
            counts = [getattr(stats[split], attr)[label] for label in labels]
            ax.barh(labels, counts, left=left, label=split)
            left = [a + b for a, b in zip(left, counts, strict=True)]
        ax.invert_yaxis()
        ax.set_xlabel("mentions" if name == "entities" else "events")
        ax.set_title(f"{name.capitalize()} per {'label' if name == 'entities' else 'type'} and split")
        ax.legend(loc="lower right")
        fig.tight_layout()
        path = folder / f"{name}.png"
        fig.savefig(path, format="png", metadata={"Software": None})  # no version or date in the bytes
        plt.close(fig)
        made.append(f"figures/{name}.png")
    return made


def render(
    info: ReleaseInfo,
    scheme: Scheme,
    stats: dict[str, SplitStats],
    present: dict[str, dict[str, tuple[int, int]]],
    feats: dict[str, Any],
    *,
    unreviewed: int,
    figures: Sequence[str] = (),
    extra: str = "",
    warnings: Sequence[str] = (),
) -> str:
    """The card (README.md) of a release."""
    splits = [s for s, st in stats.items() if st.documents]
    total = {
        key: sum(stats[s].counts()[key] for s in splits)
        for key in ("documents", "sentences", "tokens", "entities", "events")
    }
    metadata: dict[str, Any] = {
        "language": [info.language],
        "license": LICENSE_IDS.get(info.license, info.license.lower()),
        "pretty_name": info.name,
        "task_categories": ["token-classification"],
        "task_ids": ["named-entity-recognition"],
        "tags": ["news", "events", "plover", "arabic"],
        "size_categories": [_size(total["documents"])],
        "configs": [
            {
                "config_name": config,
                **({"default": True} if config == "ner" else {}),
                "data_files": [
                    {"split": s, "path": f"{config}/{s}.parquet"} for s in present.get(config, {})
                ],
            }
            for config in hf.CONFIGS
            if present.get(config)
        ],
        "dataset_info": [
            {
                "config_name": config,
                "features": hf.yaml_features(feats[config]),
                "splits": [
                    {"name": s, "num_bytes": size, "num_examples": rows}
                    for s, (rows, size) in present[config].items()
                ],
            }
            for config in hf.CONFIGS
            if present.get(config)
        ],
    }
    return TEMPLATE.substitute(
        metadata=yaml.safe_dump(metadata, allow_unicode=True, sort_keys=False, width=1000).rstrip(),
        name=info.name,
        version=info.version,
        description=info.description,
        columns=_lines(f"- `{c}`: {COLUMNS[c]}" for c in hf.CONFIGS if present.get(c)),
        numbers=_lines(
            [
                *(
                    f"| {s} | {stats[s].documents} | {stats[s].sentences} | {stats[s].tokens} | "
                    f"{sum(stats[s].entities.values())} | {sum(stats[s].events.values())} |"
                    for s in splits
                ),
                f"| total | {total['documents']} | {total['sentences']} | {total['tokens']} | "
                f"{total['entities']} | {total['events']} |",
            ]
        ),
        figures=_lines(f"![{Path(f).stem}]({f})\n" for f in figures),
        entity_counts=_table(scheme.entity_labels, splits, {s: stats[s].entities for s in splits}),
        event_counts=_table(scheme.event_types, splits, {s: stats[s].events for s in splits}),
        provenance=_provenance(stats, splits, unreviewed),
        warnings=_lines([WARNINGS, "", *(f"- {w}" for w in warnings), ""] if warnings else []),
        extra=_lines([extra, ""] if extra else []),
        scheme_name=scheme.name,
        scheme_version=scheme.version,
        scheme_sha256=scheme.sha256[:12],
        entity_labels=_lines(_definition(lb) for lb in scheme.entities),
        event_types=_lines(_definition(lb) for lb in scheme.events),
        roles="; ".join(f"{r.name} ({', '.join(r.entities)}): {r.description}" for r in scheme.roles),
        realis="; ".join(f"{name}: {text}" for name, text in scheme.realis),
        license=info.license,
        citation=info.citation.strip() or _citation(info),
        language=info.language,
        entity_label_names=", ".join(scheme.entity_labels),
        event_type_names=", ".join(scheme.event_types),
        role_names=", ".join(scheme.role_names),
        realis_values=", ".join(scheme.realis_values),
        documents=total["documents"],
        tokens=total["tokens"],
        reviewed="all documents" if not unreviewed else f"all but {unreviewed} documents",
        contact=info.contact or "see the repository",
    )


def _lines(lines: Iterable[str]) -> str:
    """What fills a list placeholder of the template."""
    return "".join(f"{line}\n" for line in lines)


def _definition(label: Label) -> str:
    return f"| {label.name} | {label.description} | {'، '.join(label.examples)} |"


def _citation(info: ReleaseInfo) -> str:
    key = "".join(ch for ch in info.name.lower() if ch.isalnum()) or "khabar"
    return (
        f"@misc{{{key}-{info.version},\n  title = {{{info.name}}},\n  note = {{Version {info.version}, "
        f"built with khabar}},\n  howpublished = {{dataset}}\n}}"
    )


def _size(n: int) -> str:
    for limit, name in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K")):
        if n < limit:
            return name
    return "100K<n<1M" if n < 1_000_000 else "n>1M"


def _table(labels: tuple[str, ...], splits: list[str], counts: dict[str, Any]) -> str:
    head = "| label | " + " | ".join(splits) + " | total |\n|---|" + "---:|" * (len(splits) + 1) + "\n"
    body = "".join(
        f"| {label} | "
        + " | ".join(str(counts[s][label]) for s in splits)
        + f" | {sum(counts[s][label] for s in splits)} |\n"
        for label in labels
    )
    return head + body


def _provenance(stats: dict[str, SplitStats], splits: list[str], unreviewed: int) -> str:
    kinds: dict[str, int] = {}
    for s in splits:
        for kind, n in stats[s].layers.items():
            kinds[kind] = kinds.get(kind, 0) + n
    parts = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
    text = (
        f"Documents by the layer released: {parts or 'none'}. Drafts come from khabar's offline "
        "rule-based pre-annotator (name lists, context rules, a PLOVER trigger lexicon) and are "
        "corrected by annotators in Label Studio; several reviews of one document are merged by "
        "majority (adjudication) before release."
    )
    if unreviewed:
        text += (
            f" **{unreviewed} documents were released without human review** "
            "(`--allow-unreviewed`): their annotations are machine drafts."
        )
    return text
