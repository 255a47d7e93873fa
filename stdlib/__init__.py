"""The Camp standard library: function registry and .camp prelude files."""
