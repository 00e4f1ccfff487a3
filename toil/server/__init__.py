"""``toil server``: a GA4GH Workflow Execution Service (WES 1.1) on top of the runners.

The server never reaches into the engine: each run is executed by running
``toil-cwl-runner``, ``toil-wdl-runner`` or ``python script.py`` as a subprocess
(see :mod:`toil.server.executor`), driven by a local runner or by Celery.
"""
