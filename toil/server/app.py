"""The WES 1.1 HTTP API (Flask): routes, authentication, size limits and JSON errors."""

from __future__ import annotations

import hmac
import logging
import shutil
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import IO, Any

from flask import Flask, Request, Response, jsonify, request, send_file
from werkzeug.exceptions import HTTPException

from toil.server import views
from toil.server.commands import refresh_report
from toil.server.layout import RunPaths
from toil.server.runners import Runner
from toil.server.settle import settle_lost_run
from toil.server.states import State, is_terminal
from toil.server.store import StateStore, new_run_id, valid_run_id
from toil.server.submission import RequestError, lay_out, parse_run_request

BASE = "/ga4gh/wes/v1"
MAX_PAGE_SIZE = 1000
log = logging.getLogger(__name__)


@dataclass
class ServerConfig:
    work_dir: Path
    engine_options: list[str] = field(default_factory=list)
    allow_local_files: bool = False
    auth_token: str | None = None
    max_body_size: int = 64 << 20


class _UploadRequest(Request):
    """Spool uploads into the server's work directory, never the system's temporary directory."""

    spool_dir: str | None = None

    def _get_file_stream(self, total_content_length: int | None, content_type: str | None,
                         filename: str | None = None, content_length: int | None = None) -> IO[bytes]:
        import tempfile

        return tempfile.SpooledTemporaryFile(max_size=1 << 20, dir=self.spool_dir)


def _error(message: str, status: int) -> Response:
    response = jsonify({"msg": message, "status_code": status})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="toil-wes"'
    return response


def _check_token(expected: str | None) -> Response | None:
    if expected is None or request.path.rstrip("/") in (f"{BASE}/service-info", f"{BASE}/openapi.yaml"):
        return None
    header = request.headers.get("Authorization", "")
    if not header:
        return _error("authentication required: send 'Authorization: Bearer <token>'", 401)
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), expected.encode()):
        return _error("the bearer token is wrong", 403)
    return None


def create_app(config: ServerConfig, store: StateStore, runner: Runner) -> Flask:
    app = Flask(__name__)
    spool = config.work_dir / ".uploads"
    spool.mkdir(parents=True, exist_ok=True)
    _UploadRequest.spool_dir = str(spool)
    app.request_class = _UploadRequest
    app.config.update(MAX_CONTENT_LENGTH=config.max_body_size, MAX_FORM_MEMORY_SIZE=config.max_body_size,
                      MAX_FORM_PARTS=10000)
    app.json.sort_keys = False  # type: ignore[attr-defined]  # Flask's DefaultJSONProvider; answers in our order

    @app.before_request
    def authenticate() -> Response | None:
        return _check_token(config.auth_token)

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException) -> Response:
        message = e.description or e.name
        if e.code == 413:
            message = f"the request body is larger than the server's limit of {config.max_body_size} bytes"
        response = _error(message, e.code or 500)
        for name, value in e.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value  # e.g. Allow on 405
        return response

    @app.errorhandler(RequestError)
    def bad_request(e: RequestError) -> Response:
        return _error(str(e), e.status)

    @app.errorhandler(Exception)
    def internal_error(e: Exception) -> Response:
        log.exception("toil server: internal error")
        return _error(f"internal server error: {type(e).__name__}", 500)

    _add_routes(app, config, store, runner)
    _add_run_routes(app, config, store, runner)
    return app


def _known_run(store: StateStore, run_id: str) -> None:
    if not valid_run_id(run_id) or not store.exists(run_id):
        raise RequestError(f"no run with id {run_id[:64]!r}", 404)


def _page(args: Any) -> tuple[int, int]:
    size_text = args.get("page_size", "100")
    token = args.get("page_token", "") or "0"
    if not (size_text.isascii() and size_text.isdigit()) or not 1 <= int(size_text) <= MAX_PAGE_SIZE:
        raise RequestError(f"page_size must be an integer from 1 to {MAX_PAGE_SIZE}")
    if not (token.isascii() and token.isdigit()) or len(token) > 12:
        raise RequestError("page_token is not one this server gave out")
    return int(size_text), int(token)


def _add_routes(app: Flask, config: ServerConfig, store: StateStore, runner: Runner) -> None:
    @app.get(f"{BASE}/service-info")
    def service_info() -> Response:
        return jsonify(views.service_info(store, config.engine_options, config.auth_token is not None))

    @app.get(f"{BASE}/openapi.yaml")
    def openapi_document() -> Response:
        document = resources.files("toil.server").joinpath("openapi.yaml").read_bytes()
        return Response(document, mimetype="application/yaml")

    @app.get(f"{BASE}/runs")
    def list_runs() -> Response:
        size, offset = _page(request.args)
        run_ids = store.run_ids()
        page = run_ids[offset:offset + size]
        following = str(offset + size) if offset + size < len(run_ids) else ""
        return jsonify({"runs": [{"run_id": r, "state": store.state(r).value} for r in page],
                        "next_page_token": following})

    @app.post(f"{BASE}/runs")
    def submit_run() -> Response:
        files = [(f.filename or "", f.stream) for f in request.files.getlist("workflow_attachment")]
        form = {key: request.form[key] for key in request.form}
        checked = parse_run_request(form, files, allow_local_files=config.allow_local_files)
        checked.engine_options = config.engine_options + checked.engine_options
        run_id = new_run_id()
        paths = RunPaths(config.work_dir / run_id)
        store.create(run_id, checked.record())
        try:
            lay_out(checked, paths)
        except Exception:
            shutil.rmtree(paths.root, ignore_errors=True)
            store.forget(run_id)
            raise
        store.move(run_id, State.QUEUED)
        try:
            runner.submit(run_id)
        except Exception as e:  # noqa: BLE001 - the run must not stay QUEUED with nobody to run it
            settle_lost_run(store, config.work_dir, run_id, f"the {runner.name} runner did not take the run: {e}")
            raise RequestError(f"the {runner.name} runner is unavailable ({type(e).__name__}); run {run_id} "
                               "ended in SYSTEM_ERROR", 503) from None
        log.info("toil server: run %s queued (%s %s)", run_id, checked.workflow_type, checked.workflow_type_version)
        return jsonify({"run_id": run_id})


def _add_run_routes(app: Flask, config: ServerConfig, store: StateStore, runner: Runner) -> None:
    @app.get(f"{BASE}/runs/<run_id>")
    def get_run(run_id: str) -> Response:
        _known_run(store, run_id)
        runner.reconcile(run_id)
        return jsonify(views.run_log(store, config.work_dir, run_id, request.host_url.rstrip("/") + BASE))

    @app.get(f"{BASE}/runs/<run_id>/status")
    def get_status(run_id: str) -> Response:
        _known_run(store, run_id)
        runner.reconcile(run_id)
        return jsonify({"run_id": run_id, "state": store.state(run_id).value})

    @app.post(f"{BASE}/runs/<run_id>/cancel")
    def cancel_run(run_id: str) -> Response:
        _known_run(store, run_id)
        if store.move(run_id, State.CANCELED, only_from=frozenset({State.QUEUED})):
            runner.revoke(run_id)
        elif store.move(run_id, State.CANCELING):
            runner.cancel(run_id)
        elif not is_terminal(store.state(run_id)) and store.state(run_id) != State.CANCELING:
            raise RequestError(f"run {run_id} cannot be canceled in state {store.state(run_id).value}", 409)
        return jsonify({"run_id": run_id})

    @app.get(f"{BASE}/runs/<run_id>/report")
    def run_report(run_id: str) -> Response:
        _known_run(store, run_id)
        runner.reconcile(run_id)
        paths = RunPaths(config.work_dir / run_id)
        if not is_terminal(store.state(run_id)) or not paths.report.is_file():
            refresh_report(paths)  # a run still going (or one that wrote none): from its job store, now
        if not paths.report.is_file():
            raise RequestError(f"run {run_id} has no report (yet)", 404)
        return send_file(paths.report, mimetype="text/html", max_age=0)

    @app.get(f"{BASE}/runs/<run_id>/<any(stdout, stderr):stream>")
    def run_output(run_id: str, stream: str) -> Response:
        _known_run(store, run_id)
        path = RunPaths(config.work_dir / run_id).root / f"{stream}.txt"
        if not path.is_file():
            return Response("", mimetype="text/plain")
        return send_file(path, mimetype="text/plain", max_age=0)
