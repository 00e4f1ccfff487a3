"""Start the WES server: the chosen task runner, and waitress serving the Flask app."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from pathlib import Path
from types import FrameType

from toil.server.app import ServerConfig, create_app
from toil.server.locator import open_state_store
from toil.server.runners import CeleryRunner, LocalRunner, Runner
from toil.server.store import StateStore
from toil.server.submission import RequestError, engine_arguments


class ServerError(Exception):
    """A setting the server cannot start with."""


def _read_token(path: str | None) -> str | None:
    if path is None:
        return None
    try:
        token = Path(path).read_text().strip()
    except OSError as e:
        raise ServerError(f"cannot read --auth-token-file {path}: {e.strerror}") from None
    if not token:
        raise ServerError(f"--auth-token-file {path} is empty")
    return token


def _engine_options(given: list[str]) -> list[str]:
    options = []
    for option in given:
        name, _, value = option.partition("=")
        try:
            options += engine_arguments({name: value if "=" in option else True}, trusted=True)
        except RequestError as e:
            raise ServerError(f"--opt {option}: {e}") from None
    return options


def _writable_directory(path: str) -> Path:
    directory = Path(path).resolve()
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ServerError(f"cannot use directory {directory}: {e.strerror}") from None
    if not os.access(directory, os.W_OK | os.X_OK):
        raise ServerError(f"directory {directory} is not writable")
    return directory


def _open_store(locator: str) -> StateStore:
    if not locator.startswith("s3://"):
        locator = str(_writable_directory(locator))
    try:
        store = open_state_store(locator)
        store.run_ids()  # fail now, not at the first request
    except Exception as e:  # noqa: BLE001 - any reason (credentials, bucket, network) is one clear line
        raise ServerError(f"cannot use --state_store {locator}: {e}") from None
    return store


def configure(options: argparse.Namespace) -> tuple[ServerConfig, StateStore, Runner]:
    work_dir = _writable_directory(options.work_dir)
    store = _open_store(options.state_store or str(work_dir))
    if options.max_body_size < 1024:
        raise ServerError("--max-body-size must be at least 1024 bytes")
    config = ServerConfig(work_dir=work_dir, engine_options=_engine_options(options.opt),
                          allow_local_files=options.allow_local_files,
                          auth_token=_read_token(options.auth_token_file), max_body_size=options.max_body_size)
    runner: Runner
    if options.runner == "celery" and not options.bypass_celery:
        runner = CeleryRunner(store, work_dir, options.broker)
    else:
        runner = LocalRunner(store, work_dir)
    return config, store, runner


def serve(options: argparse.Namespace) -> int:
    from waitress import create_server

    logging.basicConfig(level=logging.INFO, format="[%(asctime)s] [%(levelname).1s] %(message)s")
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    config, store, runner = configure(options)
    runner.resume()
    app = create_app(config, store, runner)
    try:
        server = create_server(app, host=options.host, port=options.port, threads=options.threads,
                               max_request_body_size=config.max_body_size + (1 << 20), ident="toil-wes")
    except OSError as e:
        raise ServerError(f"cannot listen on {options.host}:{options.port}: {e.strerror}") from None

    def stop(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    if options.host not in ("127.0.0.1", "localhost", "::1") and config.auth_token is None:
        print(f"toil server: warning: listening on {options.host} without --auth-token-file: anyone who can reach "
              "this port can run workflows here", file=sys.stderr, flush=True)
    # One address: its port (the one the system chose for --port 0). A host name that resolves to
    # several addresses gets a server of several sockets, which has no single effective_port.
    port = getattr(server, "effective_port", options.port)
    print(f"toil server: serving WES 1.1 at http://{options.host}:{port}/ga4gh/wes/v1 "
          f"({runner.name} runner, work directory {config.work_dir})", file=sys.stderr, flush=True)
    try:
        server.run()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.close()
    return 0
