"""Every format both ways: interchange JSON, CoNLL-U, IOB columns, Hugging Face rows, Label
Studio tasks and results; reading input files and ingesting them."""
