"""The Camp language server (`camp lsp`)."""
