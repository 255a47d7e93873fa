"""Camp: marketing-automation campaigns as code.

Public API: :func:`camp.grammar.parse` (source → AST), :func:`camp.checker.check`
(AST → diagnostics and symbol tables) and :mod:`camp.cli` (the ``camp`` command).
"""

__version__ = "0.1.0"
