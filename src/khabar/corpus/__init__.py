"""The corpus: the document model, the scheme, the project and its on-disk store."""
