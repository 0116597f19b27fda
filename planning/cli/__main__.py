"""``python -m planning.cli``: the ``eldercare`` command."""

import sys

from planning.cli.main import main

sys.exit(main())
