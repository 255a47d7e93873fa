"""``camp test``: test declarations run on the interpreter of ``camp run`` (docs/testing.md)."""
