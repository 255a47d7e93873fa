"""Puts tests/ on sys.path (pytest's rootdir-relative import mode), so suites can share
helper modules such as ``example_commands``."""
