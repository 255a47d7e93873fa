"""Partitioned runs: ``camp run --workers N`` and ``--dask ADDRESS`` (tooling spec §5)."""
