"""The options of ``toil server`` (importing this needs none of the server's packages)."""

from __future__ import annotations

import argparse
import os


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="Address to listen on (default 127.0.0.1).")
    parser.add_argument("--port", type=int, default=8080, help="Port to listen on (default 8080; 0: any free).")
    parser.add_argument("--work_dir", "--work-dir", default="workflows",
                        help="Where each run gets its directory (default ./workflows).")
    parser.add_argument("--state_store", "--state-store", default=None,
                        help="Where the runs' states are kept: a directory or s3://BUCKET/PREFIX (default: the work "
                             "directory).")
    parser.add_argument("--opt", "-o", action="append", default=[], metavar="OPTION",
                        help="An engine option given to every run, e.g. --opt=--logLevel=DEBUG (repeatable).")
    parser.add_argument("--runner", choices=("local", "celery"), default="local",
                        help="Run workflows in local processes (default) or through Celery.")
    parser.add_argument("--broker", default=os.environ.get("TOIL_WES_BROKER_URL", "redis://127.0.0.1:6379/0"),
                        help="Celery broker URL (default $TOIL_WES_BROKER_URL or redis://127.0.0.1:6379/0).")
    parser.add_argument("--bypass_celery", "--bypass-celery", action="store_true",
                        help="Use the local runner (it is the default; accepted for Toil's command line).")
    parser.add_argument("--allow-local-files", "--allow_local_files", action="store_true",
                        help="Accept file:// workflow URLs naming files on the server.")
    parser.add_argument("--auth-token-file", "--auth_token_file", default=None, metavar="FILE",
                        help="Require 'Authorization: Bearer <token>' (the file's content) on every endpoint "
                             "but /service-info.")
    parser.add_argument("--max-body-size", "--max_body_size", type=int, default=64 << 20, metavar="BYTES",
                        help="Largest request body accepted (default 64 MiB).")
    parser.add_argument("--threads", "--workers", "-w", dest="threads", type=int, default=8,
                        help="Threads serving requests (default 8).")
