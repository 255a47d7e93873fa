"""Syntax highlighting: the Pygments lexer."""
