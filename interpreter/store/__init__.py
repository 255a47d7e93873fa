"""Lead workspaces: the store interface and its SQLite implementation."""
