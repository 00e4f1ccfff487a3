"""The engine's version."""

import sys

version = "0.1.0"

#: The interpreter that runs this engine (Toil's tests start workflow scripts with it).
python = sys.executable
