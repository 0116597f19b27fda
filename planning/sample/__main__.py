"""``python -m planning.sample [FOLDER] [--seed N]``: write the sample district."""

from planning.sample.district import main

raise SystemExit(main())
