"""Syntax highlighting: the Pygments lexer and ``camp highlight``.

* :mod:`camp.highlight.lexer` — :class:`~camp.highlight.lexer.CampLexer`, registered
  with Pygments through the ``pygments.lexers`` entry point;
* :mod:`camp.highlight.render` — :func:`~camp.highlight.render.highlight`, the
  ``camp highlight`` command's formatter front end.

This package imports neither module: Pygments is loaded only when used.
"""
