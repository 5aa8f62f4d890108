"""The dataset card of a release: README.md with YAML metadata that ``datasets`` reads
(configs, features, splits) and the numbers a researcher looks for."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import yaml

from khabar import hf
from khabar.scheme import Scheme

if TYPE_CHECKING:
    from khabar.release import ReleaseInfo, SplitStats

LICENSE_IDS = {"CC-BY-4.0": "cc-by-4.0", "CC-BY-SA-4.0": "cc-by-sa-4.0", "CC0-1.0": "cc0-1.0", "MIT": "mit"}


def render(
    info: ReleaseInfo,
    scheme: Scheme,
    stats: dict[str, SplitStats],
    present: dict[str, dict[str, tuple[int, int]]],
    feats: dict[str, Any],
    *,
    unreviewed: int,
) -> str:
    splits = [s for s, st in stats.items() if st.documents]
    total_docs = sum(stats[s].documents for s in splits)
    metadata: dict[str, Any] = {
        "language": [info.language],
        "license": LICENSE_IDS.get(info.license, info.license.lower()),
        "pretty_name": info.name,
        "task_categories": ["token-classification"],
        "task_ids": ["named-entity-recognition"],
        "tags": ["news", "events", "plover", "arabic"],
        "size_categories": [_size(total_docs)],
        "configs": [
            {
                "config_name": config,
                **({"default": True} if config == "ner" else {}),
                "data_files": [
                    {"split": s, "path": f"{config}/{s}.parquet"} for s in present.get(config, [])
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
        "CoNLL-U files of the same data are in `conllu/`.",
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
        "",
        "Splits are assigned by a hash of the document id, so a document never changes split "
        "between releases. Splits with no document are left out.",
        "",
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
    ]
    return "\n".join(lines)


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
        "rule-based pre-annotator and are corrected by annotators in Label Studio."
    )
    if unreviewed:
        text += (
            f" **{unreviewed} documents were released without human review** "
            "(`--allow-unreviewed`): their annotations are machine drafts."
        )
    return text
