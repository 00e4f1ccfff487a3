"""The worker command scheduler jobs run: ``python -m toil.batch.run_worker [--deploy KEY] NAME STORE ID``.

Scheduler jobs run on other machines, often with another PATH, so the grid batch systems start
the worker with the leader's own interpreter (an absolute path) rather than the
``_toil_worker`` script. With ``--deploy KEY`` the user's modules, saved in the job store by the
leader (``toil.batch.deploy``), are unpacked into a local cache first and put on ``sys.path``
and ``PYTHONPATH``, so workers that cannot see the user's files can still import them.
"""

from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] == "--deploy":
        key, argv = argv[1], argv[2:]
        if len(argv) == 3:
            from toil.batch.deploy import install_user_modules

            install_user_modules(argv[1], key)
    from toil.core.worker import main as worker_main

    return worker_main(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
