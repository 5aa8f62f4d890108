"""Every format both ways: interchange JSON, CoNLL-U, IOB columns, Hugging Face rows, ingest."""
