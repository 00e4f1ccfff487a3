"""The sibling module spread.py imports: it must reach the nodes through the job store."""

import os
import socket

import toil


def where(i, hidden):
    """What a job saw on its node: the host, where its modules came from, which leader paths existed."""
    return {"i": i, "square": i * i, "host": socket.gethostname(), "module": __file__, "toil": toil.__file__,
            "seen": [path for path in hidden if os.path.exists(path)]}
