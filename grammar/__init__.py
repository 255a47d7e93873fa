"""Camp syntax: the Lark grammar, the typed AST and the parser."""
