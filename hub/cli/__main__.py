"""`python -m hub.cli`: the same as the `hub` console script."""

import sys

from hub.cli import main

sys.exit(main())
