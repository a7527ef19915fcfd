"""python -m heapscope"""

import sys

from heapscope.cli import main

sys.exit(main())
