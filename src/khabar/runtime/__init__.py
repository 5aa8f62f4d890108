"""Where work runs: the executor over worker processes or Dask, progress, the cache of results."""
