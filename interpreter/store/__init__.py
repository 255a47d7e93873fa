"""Lead workspaces: the store interface and its SQLite implementation.

- :mod:`camp.store.base`: the :class:`~camp.store.base.Store` protocol a workspace run
  uses, and the records it stores (queue entries, runs);
- :mod:`camp.store.sqlite`: :class:`~camp.store.sqlite.SQLiteStore`, a workspace file
  (layout, migrations, the writer lock);
- :mod:`camp.store.memory`: :class:`~camp.store.memory.MemoryStore`, the in-memory world;
- :mod:`camp.store.runner`: ``camp run --db`` (phases, batches, ``--resume``);
- :mod:`camp.store.importer`: ``camp db import``;
- :mod:`camp.store.codec`: typed JSON for stored values.

See docs/workspace.md.
"""
