"""`python -m caseseries`: the console script (entry.main), Ctrl-C handled before the command line is imported."""

import sys

from caseseries.entry import main

sys.exit(main())
