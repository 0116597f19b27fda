"""The ``eldercare`` command line.

Parser and commands (:mod:`~planning.cli.main`), options (:mod:`~planning.cli.options`), console
output (:mod:`~planning.cli.console`), flag spelling of library messages
(:mod:`~planning.cli.flags`) and the new-estate review (:mod:`~planning.cli.review`).
"""

from planning.cli.main import build_parser, main

__all__ = ["build_parser", "main"]
