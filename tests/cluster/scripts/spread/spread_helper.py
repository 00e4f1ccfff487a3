"""The sibling module spread.py imports: it must reach the nodes through the job store."""

import os
import socket


def where(i, hidden):
    """What a job saw on its node: the host, and which of the leader's paths existed there."""
    return {"i": i, "square": i * i, "host": socket.gethostname(), "module": __file__,
            "seen": [path for path in hidden if os.path.exists(path)]}
