"""The Toil context manager: open the job store, start or restart, import and export."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import shutil
import socket
import sys
from collections.abc import Callable
from types import TracebackType
from typing import Any, overload

from toil.core import check, console, control, deferred, errors, payload, plugins, serialize
from toil.core.batchsystem import AbstractBatchSystem, BatchJobSpec, BatchSystemSettings
from toil.core.filestore import FileID
from toil.core.graph import collect_new_jobs, requirements_for, write_new_jobs
from toil.core.job import Job
from toil.core.jobstore import AbstractJobStore, NoSuchBlobError, parse_locator
from toil.core.leader import Leader, LeaderResult, ServiceLimits
from toil.core.options import Config
from toil.core.records import RecordWriter, read_records
from toil.core.report import MISSING_PLOTLY, plotly_available, write_report
from toil.core.settings import ROOT_KEY, WorkflowSettings, load_settings, save_settings
from toil.core.trace import open_trace
from toil.core.watch import open_watch
from toil.core.worker import temp_root

logger = logging.getLogger(__name__)


def canonical_locator(locator: str) -> str:
    """The locator workers get: file stores by absolute path, whatever the leader's cwd."""
    kind, rest = parse_locator(locator)
    return f"file:{os.path.abspath(rest)}" if kind == "file" else locator


def _user_paths() -> list[str]:
    main = sys.modules.get("__main__")
    script = getattr(main, "__file__", None)
    paths = [os.path.dirname(os.path.abspath(script))] if script else []
    return paths + [os.getcwd()]


def _command_line() -> list[str]:
    """This process's command line as typed: a command found on PATH (toil-cwl-runner) by its name alone."""
    program, *arguments = sys.argv or [""]
    name = os.path.basename(program)
    if name and shutil.which(name) == program:
        program = name
    return [program, *arguments]


class Toil:
    """``with Toil(options) as toil: toil.start(job)`` (or ``toil.restart()``)."""

    def __init__(self, options: argparse.Namespace) -> None:
        self.options = options
        try:
            self.config = Config.from_options(options)
        except ValueError as e:
            raise errors.ToilConfigError(str(e)) from None
        console.install_excepthook(debug=self.config.log_level == "DEBUG")
        if self.config.report and not plotly_available():
            raise errors.ToilConfigError(f"--report: {MISSING_PLOTLY}")
        self._store: AbstractJobStore | None = None
        self._locator = ""
        self._batch: AbstractBatchSystem | None = None
        self._finished = False  # start() or restart() returned the root's value
        #: the front-end's settings for its jobs' workers (plain JSON data), set before start():
        #: saved as WorkflowSettings.frontend; a --restart keeps those its workflow started with
        self.frontend: dict[str, Any] = {}

    # -- context ----------------------------------------------------------------------------
    def __enter__(self) -> Toil:
        console.configure_logging(self.config.log_level, self.config.log_file)
        try:
            self._locator = canonical_locator(self.config.job_store)
            store = plugins.open_job_store(self._locator)
        except (ValueError, plugins.UnknownPluginError) as e:
            raise errors.ToilConfigError(str(e)) from None
        store.configure(self.options)
        if self.config.restart:
            store.resume()
        else:
            store.create()
        try:
            store.acquire_leader_lock(f"pid {os.getpid()} on {socket.gethostname()}")
        except BaseException:
            if not self.config.restart:
                store.destroy()
            raise
        self._store = store
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._batch is not None:
            self._batch.shutdown()
            self._batch = None
        store, self._store = self._store, None
        if store is None:
            return
        store.release_leader_lock()
        clean = self.config.clean
        if clean == "always" or (clean == "onSuccess" and exc_type is None) or (clean == "onError" and exc_type):
            logger.debug("Deleting the job store %s (--clean=%s)", self._locator, clean)
            store.destroy()

    @property
    def _jobStore(self) -> AbstractJobStore:
        if self._store is None:
            raise errors.ToilContextError("Use the Toil object inside a 'with Toil(options) as toil:' block")
        return self._store

    # -- running ----------------------------------------------------------------------------
    def start(self, rootJob: Job) -> Any:
        """Run a new workflow from rootJob; return rootJob's return value."""
        store = self._jobStore
        if self.config.restart:
            raise errors.ToilRestartError(
                "The workflow was asked to --restart, but the script called start(); call restart() instead"
            )
        if store.has("shared", ROOT_KEY):
            raise errors.ToilRestartError(f"The workflow in {self._locator} was already started; use --restart")
        new = collect_new_jobs([rootJob])
        batch = self._open_batch_system()
        defaults = self.config.defaults
        for job in new.jobs:
            requirements, _ = requirements_for(job, defaults)
            batch.check_resource_request(BatchJobSpec(job._toil_id, job.displayName, "", requirements))

        def write_graph() -> None:
            write_new_jobs(store, new, defaults, known=lambda job_id: False)
            store.put("shared", ROOT_KEY, rootJob._toil_id.encode())  # the workflow exists from here on

        return self._run(rootJob._toil_id, self.config.workflow_id, _user_paths(), self.frontend, write_graph)

    def restart(self) -> Any:
        """Resume the workflow in the job store; return the root job's return value."""
        store = self._jobStore
        try:
            root_id = store.get("shared", ROOT_KEY).decode()
        except NoSuchBlobError:
            raise errors.ToilRestartError(
                f"The workflow in {self._locator} never started (it has no root job), so there is nothing to "
                f"restart; remove the job store (toil clean {self._locator}) and start again without --restart"
            ) from None
        changed = store.changed_imports()
        if changed:
            raise errors.ToilRestartError(
                f"Cannot restart the workflow in {self._locator}: input files it linked in have changed since it "
                f"started ({'; '.join(changed)}); put them back as they were, or start again without --restart"
            )
        previous = load_settings(store)  # the workflow's identity: its id, where its code is, its front-end's settings
        self.config.workflow_id = previous.workflow_id
        self._open_batch_system()
        # A store from before front-end settings were saved has none: its runner's current ones serve.
        return self._run(root_id, previous.workflow_id, previous.user_paths, previous.frontend or self.frontend)

    def _open_batch_system(self) -> AbstractBatchSystem:
        if self._batch is None:
            try:
                cls = plugins.batch_system_class(self.config.batch_system)
            except plugins.UnknownPluginError as e:
                raise errors.ToilConfigError(str(e)) from None
            # Toil's words, which users (and Toil's own tests) grep for: "Using the single machine batch system"
            logger.debug("Using the %s batch system", self.config.batch_system.replace("_", " "))
            os.makedirs(self.config.work_dir, exist_ok=True)
            _note_filesystems(self.config.work_dir, self._jobStore.local_directory())
            self._batch = cls(
                BatchSystemSettings(
                    max_cores=self.config.max_cores,
                    max_memory=self.config.max_memory,
                    max_disk=self.config.max_disk,
                    work_dir=self.config.work_dir,
                    options=self.options,
                    job_store=self._locator,
                )
            )
        return self._batch

    def _settings(self, workflow_id: str, user_paths: list[str], job_environment: dict[str, str],
                  frontend: dict[str, Any]) -> WorkflowSettings:
        """What every worker of this run needs to know: built here only, for start and restart alike."""
        config = self.config
        return WorkflowSettings(
            workflow_id=workflow_id,
            defaults=config.defaults,
            disable_chaining=config.disable_chaining,
            work_dir=config.work_dir,
            environment={**config.environment, **job_environment},
            log_level=config.log_level,
            caching=config.caching,
            user_paths=list(user_paths),
            reporting=config.log_options.reporting(config.stats),
            frontend=dict(frontend),
        )

    def _run(
        self, root_id: str, workflow_id: str, user_paths: list[str], frontend: dict[str, Any],
        prepare: Callable[[], None] | None = None,
    ) -> Any:
        """Save this run's settings, ``prepare`` (a new workflow's jobs), lead the run; return the root's value."""
        store = self._jobStore
        batch = self._open_batch_system()
        # toil kill, --stats, --writeLogs, and --realTimeLogging (whose address jobs get in their environment)
        with control.leader_session(self.config, store, batch.runs_jobs_here()) as job_environment:
            settings = self._settings(workflow_id, user_paths, job_environment, frontend)
            save_settings(store, settings)  # before any job can start: every worker reads them
            if prepare is not None:
                prepare()
            limits = ServiceLimits(self.config.max_service_jobs, self.config.deadlock_wait,
                                   self.config.deadlock_check_interval)
            trace = open_trace(self.config.trace)
            config = self.config
            watch = open_watch(config.disable_progress, config.progress_interval, config.metrics, config.metrics_port,
                               config.metrics_wait)
            records = RecordWriter(store)
            records.run_started(_command_line(), self._locator, workflow_id, config.restart)
            leader = Leader(store, settings, batch, self._locator, config.retry_count,
                            config.max_job_duration, services=limits,
                            stop_on_failure=config.stop_on_failure, trace=trace, watch=watch, records=records,
                            backoff=config.retry_backoff, double_memory=config.double_memory)
            root = temp_root(settings)
            # Jobs' scratch space, cache and deferred functions live under toil-<workflow id> in
            # --workDir. The leader is a member of this machine's arena while it runs, so no worker
            # cleans up under it; the last member to leave (normally the leader) cleans up.
            with deferred.membership(root), contextlib.closing(trace) if trace else contextlib.nullcontext(), watch:
                deferred.run_orphans(root)  # left by workers killed in an earlier run
                result: LeaderResult = self._lead(leader, root_id, records)
        if not result.success:
            raise errors.FailedJobsException(self._locator, result.failed, stuck=result.stuck)
        logger.info("Finished the workflow in %s", self._locator)
        return self._finish(leader, root_id)

    def _lead(self, leader: Leader, root_id: str, records: RecordWriter) -> LeaderResult:
        """Run the leader; record how the run ended, and write --report, whether it succeeded or not."""
        result = LeaderResult(success=False)
        try:
            result = leader.run(root_id)
        finally:
            failed = [{"job_id": job.job_id, "name": job.name, "reason": job.reason} for job in result.failed]
            records.run_ended(result.success, failed)
            if self.config.report:
                self._write_report(self.config.report)
        return result

    def _write_report(self, path: str) -> None:
        try:
            write_report(read_records(self._jobStore), path, self._locator)
        except OSError as e:
            logger.error("Could not write the report %s: %s", path, e)
            return
        logger.info("Wrote the report of this run to %s", path)

    def _finish(self, leader: Leader, root_id: str) -> Any:
        store = self._jobStore
        # Attempts cut short (killed or failed workers) may have left records of jobs they
        # created but never committed. Nothing reads them; now that no worker runs, drop them.
        # (Only then: the leader forgets done jobs, so the live ones are found in the store.)
        if leader.state.cut_short or self.config.restart:  # a restart follows a run that was cut short
            removed = check.collect_garbage(store, check.reachable_in_store(store, root_id))
            if removed:
                logger.debug("Removed %d records of attempts cut short", removed)
        reader = serialize.ResultReader(lambda job_id: payload.read_result(store, job_id))
        value = serialize.loads(payload.read_result(store, root_id), reader)
        self._finished = True
        return value

    # -- files ------------------------------------------------------------------------------
    @overload
    def importFile(self, srcUrl: str, sharedFileName: None = None, symlink: bool = True) -> FileID: ...

    @overload
    def importFile(self, srcUrl: str, sharedFileName: str, symlink: bool = True) -> None: ...

    def importFile(self, srcUrl: str, sharedFileName: str | None = None, symlink: bool = True) -> FileID | None:
        """Copy a file (a path or a file:, http(s): URL) into the job store.

        With sharedFileName it becomes the workflow's shared file of that name (read with the
        store's ``read_shared_file_stream``) and nothing is returned, as in Toil. With ``symlink``
        (and --symlinkImports, the default), a local file is linked in where the store can rather
        than copied: it must not change while the workflow runs.
        """
        from toil.core.files import import_url

        store = self._jobStore
        try:
            file_id, size = import_url(store, srcUrl, link=symlink and self.config.link_imports)
        except (OSError, ValueError) as e:
            raise errors.file_transfer_error("import", srcUrl, e) from e
        if sharedFileName is None:
            return FileID(file_id, size)
        with store.read_file_stream(file_id) as source, store.write_shared_file_stream(sharedFileName) as target:
            shutil.copyfileobj(source, target)
        store.delete_file(file_id)
        return None

    import_file = importFile

    def exportFile(self, jobStoreFileID: str, dstUrl: str) -> None:
        """Copy a file from the job store to a path or file: URL."""
        from toil.core.files import export_url

        store = self._jobStore
        # Once the workflow has finished and the store goes when this block ends (--clean), nothing
        # reads the stored copy again: a local file is hard-linked out rather than copied, unless
        # something else holds it too (a call cache's entry: the export must not share its inode).
        # With --moveOutputs, a finished workflow's files are moved out whether the store stays or not.
        link = self._finished and self.config.clean in ("always", "onSuccess") and _sole_link(store, jobStoreFileID)
        move = self._finished and self.config.move_outputs
        try:
            export_url(store, jobStoreFileID, dstUrl, link, move)
        except (OSError, ValueError) as e:
            raise errors.file_transfer_error("export to", dstUrl, e) from e

    export_file = exportFile

    @staticmethod
    def getToilWorkDir(configWorkDir: str | None = None) -> str:
        import tempfile

        return os.path.abspath(configWorkDir or tempfile.gettempdir())


def _note_filesystems(work_dir: str, store_dir: str | None) -> None:
    """Say once when jobs' files cannot be linked between their work directories and the store."""
    if store_dir is None:
        return
    try:
        apart = os.stat(work_dir).st_dev != os.stat(store_dir).st_dev
    except OSError:
        return
    if apart:
        logger.info("The work directory %s and the job store %s are on different filesystems: jobs' files are "
                    "copied between them, not linked (--workDir on the job store's filesystem avoids the copies)",
                    work_dir, store_dir)
def _sole_link(store: Any, file_id: str) -> bool:
    """Whether a local store's file has no other name (no cache or export shares its inode)."""
    local = store.local_path(file_id)
    try:
        return local is not None and os.stat(local).st_nlink == 1
    except OSError:
        return False
