"""The dataset card of a release: README.md with YAML metadata that ``datasets`` reads
(configs, features, splits), the numbers and charts a researcher looks for, the scheme,
how the data was annotated, license, citation, and a machine-readable block as Universal
Dependencies treebanks have."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib

matplotlib.use("Agg")  # files only, never a window
import matplotlib.pyplot as plt
import yaml

from khabar.corpus.scheme import Scheme
from khabar.formats import hf

if TYPE_CHECKING:
    from khabar.release.build import ReleaseInfo, SplitStats

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
    front = yaml.safe_dump(metadata, allow_unicode=True, sort_keys=False, width=1000)
    lines = [
        "---",
        front.rstrip(),
        "---",
        "",
        f"# {info.name} {info.version}",
        "",
        info.description,
        "",
        "## Loading",
        "",
        "```python",
        "from datasets import load_dataset",
        'ner = load_dataset("<this folder or repository>", "ner")        # tokens + ner_tags (ClassLabel)',
        'docs = load_dataset("<this folder or repository>", "documents")  # text, entities, events',
        'events = load_dataset("<this folder or repository>", "events")   # one row per event',
        "```",
        "",
        "Configs and their columns:",
        "",
        *(f"- `{c}`: {COLUMNS[c]}" for c in hf.CONFIGS if present.get(c)),
        "",
        "The same data as CoNLL-U is in `conllu/`: `# newdoc id`, `# sent_id`, `# text`, "
        "`SpaceAfter=No`, multiword tokens where a span boundary cuts a token, and IOB2 tags in "
        "MISC (`NER=B-GPE`, `Event=B-THREATEN`).",
        "",
        "## Numbers",
        "",
        "| split | documents | sentences | tokens | entities | events |",
        "|---|---:|---:|---:|---:|---:|",
        *(
            f"| {s} | {stats[s].documents} | {stats[s].sentences} | {stats[s].tokens} | "
            f"{sum(stats[s].entities.values())} | {sum(stats[s].events.values())} |"
            for s in splits
        ),
        f"| total | {total['documents']} | {total['sentences']} | {total['tokens']} | {total['entities']} | "
        f"{total['events']} |",
        "",
        "Splits are assigned by a hash of the document id, so a document never changes split "
        "between releases. Splits with no document are left out.",
        "",
        *(f"![{Path(f).stem}]({f})\n" for f in figures),
        "### Entities per label",
        "",
        _table(scheme.entity_labels, splits, {s: stats[s].entities for s in splits}),
        "### Events per type",
        "",
        _table(scheme.event_types, splits, {s: stats[s].events for s in splits}),
        "## Annotation",
        "",
        _provenance(stats, splits, unreviewed),
        "",
        "Every release passes khabar's validation: offsets inside the text, span texts, labels, "
        "types and roles from the scheme, no overlapping entities, IOB2, arguments pointing at "
        "entities of the trigger's sentence, one text per document id; the CoNLL-U passes the "
        "official UD validator at level 2 (tree tests excluded: there is no syntax).",
        "",
        *(
            ["Warnings at release time (they do not block a release):", "", *(f"- {w}" for w in warnings), ""]
            if warnings
            else []
        ),
        *([extra, ""] if extra else []),
        f"Scheme: `{scheme.name}` version {scheme.version} (sha256 `{scheme.sha256[:12]}`).",
        "",
        "### Entity labels",
        "",
        "| label | definition | examples |",
        "|---|---|---|",
        *(f"| {lb.name} | {lb.description} | {'، '.join(lb.examples)} |" for lb in scheme.entities),
        "",
        "### Event types (PLOVER)",
        "",
        "| type | definition | examples |",
        "|---|---|---|",
        *(f"| {lb.name} | {lb.description} | {'، '.join(lb.examples)} |" for lb in scheme.events),
        "",
        "Arguments: "
        + "; ".join(f"{r.name} ({', '.join(r.entities)}): {r.description}" for r in scheme.roles)
        + ".",
        "",
        "Realis: " + "; ".join(f"{name}: {text}" for name, text in scheme.realis) + ".",
        "",
        "Spans are character offsets (Python str indices, end exclusive) into the canonical text "
        "(Unicode NFC, `\\n` newlines). Proclitics (و ف ب ك ل) stay outside spans; in `tokens` and "
        "CoNLL-U such a token is split into words, and ل + ال is written «ل» «ال…» as in UD "
        "Arabic-PADT. UPOS in CoNLL-U is a placeholder from the characters (PUNCT, NUM, SYM, ADP and "
        "CCONJ for split proclitics, X otherwise); the corpus has no syntax.",
        "",
        "## License",
        "",
        f"{info.license}.",
        "",
        "## Citation",
        "",
        "```bibtex",
        info.citation.strip() or _citation(info),
        "```",
        "",
        "## Machine-readable metadata",
        "",
        "```",
        "=== Machine-readable metadata (DO NOT REMOVE!) ================================",
        f"Name: {info.name}",
        f"Version: {info.version}",
        f"License: {info.license}",
        f"Language: {info.language}",
        "Includes text: yes",
        "Genre: news",
        "Lemmas: not available",
        "UPOS: placeholder from characters (PUNCT, NUM, SYM, ADP/CCONJ for proclitics, X)",
        "XPOS: not available",
        "Features: not available",
        "Relations: not available",
        f"Named entities: {', '.join(scheme.entity_labels)} (IOB2 in MISC NER=)",
        f"Events: PLOVER {', '.join(scheme.event_types)} (IOB2 in MISC Event=); arguments "
        f"{', '.join(scheme.role_names)}; realis {', '.join(scheme.realis_values)}",
        f"Documents: {total['documents']}",
        f"Tokens: {total['tokens']}",
        f"Reviewed by people: {'all documents' if not unreviewed else f'all but {unreviewed} documents'}",
        f"Contact: {info.contact or 'see the repository'}",
        "===============================================================================",
        "```",
        "",
    ]
    return "\n".join(lines)


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
