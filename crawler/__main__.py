"""`python -m crawler` is the same as the `healthcrawl` command."""

import sys

from crawler.cli import main

sys.exit(main())
