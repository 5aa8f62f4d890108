"""khabar: an annotated Arabic news corpus, from articles to versioned datasets."""

__version__ = "0.1.0"
