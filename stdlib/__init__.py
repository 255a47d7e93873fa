"""The Camp standard library: function registry and .camp prelude files."""

from camp.stdlib.functions import REGISTRY

__all__ = ["REGISTRY"]
