"""`python -m opcc.synth`: the same as `opcc synth`."""

import sys

from opcc.synth import main

sys.exit(main())
