"""python -m linear_checks [exercise ...] [--package-root DIR] [--hidden]"""

import sys

from linear_checks.runner import main

sys.exit(main())
