"""``python -m planning.sample [FOLDER] [--seed N]``: the same as ``eldercare sample``.

The command line owns logging and printing, so this entry point hands over to it.
"""

import sys

from planning.cli import main

sys.exit(main(["sample", *sys.argv[1:]]))
