"""The user's job API, under Toil's names: Job, wrapped functions, promises."""

from __future__ import annotations

import abc
import inspect
import logging
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from toil.core.requirements import RequirementError, Requirements, parse_requirements
from toil.core.serialize import PromiseBase, PromiseRef

if TYPE_CHECKING:
    from toil.core.filestore import FileStore

logger = logging.getLogger(__name__)

REQUIREMENT_NAMES = ("memory", "cores", "disk", "accelerators", "preemptible", "preemptable")


class JobException(Exception):
    """Misuse of the job API (the message says what is wrong)."""


class PermanentJobFailure(Exception):
    """Raised by a job whose failure another attempt cannot mend: it is not retried.

    The leader spends ``--retryCount`` on failures that may pass (a lost or killed worker, an
    error of the machine); a job that knows better (a CWL tool whose own verdict is
    ``permanentFail``) raises this, or a subclass, and fails at once.
    """


class JobGraphDeadlockException(JobException):
    """The job graph has a cycle or can never complete."""


def new_job_id() -> str:
    return "j" + uuid.uuid4().hex[:20]


class Promise(PromiseBase):
    """A value a job will return: ``job.rv()``, ``job.rv(0)``, ``job.rv('key', 1)``.

    Pass it as an argument to a later job; it is replaced by the value when that job runs.
    """

    def __init__(self, job: Job, path: tuple[Any, ...]) -> None:
        self.job_id = job._toil_id
        self.path = path
        self._job_name = job.jobName

    def promise_ref(self) -> PromiseRef:
        return PromiseRef(self.job_id, self.path)

    def __getitem__(self, key: Any) -> Promise:
        deeper = Promise.__new__(Promise)
        deeper.job_id, deeper.path, deeper._job_name = self.job_id, self.path + (key,), self._job_name
        return deeper

    def __repr__(self) -> str:
        return f"<Promise of {self._job_name} {self.job_id} path {self.path}>"


class PromisedRequirement:
    """A requirement computed from promised values when the job is about to run.

    ``PromisedRequirement(lambda f: f.size, fileIdPromise)`` or ``PromisedRequirement(promise)``.
    """

    def __init__(self, valueOrCallable: Any, *args: Any) -> None:
        if callable(valueOrCallable):
            if not args:
                raise JobException("PromisedRequirement with a function needs at least one argument")
            self._func: Callable[..., Any] = valueOrCallable
            self._args: tuple[Any, ...] = args
        else:
            if args:
                raise JobException("PromisedRequirement takes a function when given several arguments")
            self._func = _identity
            self._args = (valueOrCallable,)

    def getValue(self) -> Any:
        return self._func(*self._args)

    def is_resolved(self) -> bool:
        """Tell whether the promised arguments have become values (inside the running job)."""
        return not any(isinstance(arg, PromiseBase) for arg in self._args)


def _identity(value: Any) -> Any:
    return value


class Job:
    """A unit of work. Subclass it and define ``run(self, fileStore)``, or wrap a function."""

    def __init__(
        self,
        memory: Any = None,
        cores: Any = None,
        disk: Any = None,
        accelerators: Any = None,
        preemptible: Any = None,
        preemptable: Any = None,
        unitName: str | None = "",
        checkpoint: bool = False,
        displayName: str | None = "",
        descriptionClass: Any = None,
        local: bool | None = None,
        files: Any = None,
        walltime: Any = None,
    ) -> None:
        raw = {"memory": memory, "cores": cores, "disk": disk, "accelerators": accelerators}
        raw["preemptible"] = preemptible if preemptible is not None else preemptable
        self._toil_raw_requirements = {k: v for k, v in raw.items() if v is not None}
        self._check_requirements()
        self._toil_id = new_job_id()
        self._toil_children: list[Job] = []
        self._toil_follow_ons: list[Job] = []
        #: service hosts of this job, in tiers: a child service starts after its parent
        self._toil_services: list[list[Job]] = []
        self._toil_saved = False
        self._toil_file_store: FileStore | None = None
        self._toil_unit_name = unitName or ""
        self._toil_display_name = displayName or ""
        self._toil_local = bool(local)
        # The workflow's --defaultCores/--defaultMemory/...; set when the job is written to the store.
        self._toil_defaults = Requirements()
        self.checkpoint = bool(checkpoint)
        #: seconds the job may run, as given (batch systems with a time limit use it)
        self.walltime = walltime

    def _check_requirements(self) -> None:
        concrete = {k: v for k, v in self._toil_raw_requirements.items() if not isinstance(v, PromisedRequirement)}
        try:
            parse_requirements(concrete, Requirements())
        except RequirementError as e:
            raise JobException(f"Job {self.jobName}: bad requirement: {e}") from None

    # -- identity and requirements --------------------------------------------------------
    @property
    def jobName(self) -> str:
        return type(self).__name__

    @property
    def displayName(self) -> str:
        return self._toil_display_name or self.jobName

    @property
    def unitName(self) -> str:
        return self._toil_unit_name

    @property
    def jobStoreID(self) -> str:
        return self._toil_id

    def _set_requirement(self, name: str, value: Any) -> None:
        previous = dict(self._toil_raw_requirements)
        if value is None:
            self._toil_raw_requirements.pop(name, None)
        else:
            self._toil_raw_requirements[name] = value
        try:
            self._check_requirements()
        except JobException:
            self._toil_raw_requirements = previous  # a refused value leaves the job as it was
            raise

    memory = property(lambda self: self._resolved("memory"), lambda self, v: self._set_requirement("memory", v))
    cores = property(lambda self: self._resolved("cores"), lambda self, v: self._set_requirement("cores", v))
    disk = property(lambda self: self._resolved("disk"), lambda self, v: self._set_requirement("disk", v))
    preemptible = property(
        lambda self: self._resolved("preemptible"), lambda self, v: self._set_requirement("preemptible", v)
    )
    preemptable = preemptible
    accelerators = property(
        lambda self: list(self._resolved("accelerators")), lambda self, v: self._set_requirement("accelerators", v)
    )

    def _resolved(self, name: str) -> Any:
        # A running job's promised requirements hold values by now: report what it was given.
        concrete: dict[str, Any] = {}
        for key, value in self._toil_raw_requirements.items():
            if not isinstance(value, PromisedRequirement):
                concrete[key] = value
            elif value.is_resolved():
                concrete[key] = value.getValue()
        defaults = getattr(self, "_toil_defaults", None) or Requirements()
        return getattr(parse_requirements(concrete, defaults), name)

    # -- the graph ------------------------------------------------------------------------
    def _check_growable(self, other: Job) -> None:
        if not isinstance(other, Job):
            raise JobException(f"Expected a Job, got {type(other).__name__}: {other!r}")
        if other is self:
            raise JobGraphDeadlockException(f"Job {self.jobName} cannot be its own successor")

    def addChild(self, childJob: Job) -> Job:
        """Run childJob after this job, in parallel with the other children."""
        self._check_growable(childJob)
        self._add_once(self._toil_children, "child", childJob)
        return childJob

    def _add_once(self, successors: list[Job], kind: str, job: Job) -> None:
        """Append job to successors unless it is there: a set, since `job in list` made N children quadratic."""
        added: set[tuple[str, int]] = self.__dict__.setdefault("_toil_added", set())
        if (kind, id(job)) not in added:  # the list keeps job alive, so its id stays its own
            added.add((kind, id(job)))
            successors.append(job)

    def hasChild(self, childJob: Job) -> bool:
        return childJob in self._toil_children

    def addFollowOn(self, followOnJob: Job) -> Job:
        """Run followOnJob after this job and all its children's subtrees are done."""
        self._check_growable(followOnJob)
        self._add_once(self._toil_follow_ons, "follow-on", followOnJob)
        return followOnJob

    def hasFollowOn(self, followOnJob: Job) -> bool:
        return followOnJob in self._toil_follow_ons

    def addChildFn(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> FunctionWrappingJob:
        return self.addChild(FunctionWrappingJob(fn, *args, **kwargs))  # type: ignore[return-value]

    def addChildJobFn(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> JobFunctionWrappingJob:
        return self.addChild(JobFunctionWrappingJob(fn, *args, **kwargs))  # type: ignore[return-value]

    def addFollowOnFn(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> FunctionWrappingJob:
        return self.addFollowOn(FunctionWrappingJob(fn, *args, **kwargs))  # type: ignore[return-value]

    def addFollowOnJobFn(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> JobFunctionWrappingJob:
        return self.addFollowOn(JobFunctionWrappingJob(fn, *args, **kwargs))  # type: ignore[return-value]

    @staticmethod
    def wrapFn(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> FunctionWrappingJob:
        return FunctionWrappingJob(fn, *args, **kwargs)

    @staticmethod
    def wrapJobFn(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> JobFunctionWrappingJob:
        return JobFunctionWrappingJob(fn, *args, **kwargs)

    def rv(self, *path: Any) -> Promise:
        """A promise of this job's return value (or of a part of it, by index or key)."""
        return Promise(self, path)

    def getSuccessors(self) -> list[Job]:
        return self._toil_children + self._toil_follow_ons

    def addService(self, service: Any, parentService: Any = None) -> Promise:
        """Run a Job.Service while this job's successors run; return a promise of its start() value.

        The service starts after this job's run() and before its successors; it is stopped
        once they are all done. With parentService, it starts after that service started.
        """
        if parentService is None:
            host = ServiceHostJob(service)
            tier = 0
        else:
            parent = service_host(self, parentService)
            tier = next(i for i, hosts in enumerate(self._toil_services) if parent in hosts) + 1
            host = ServiceHostJob(service)
        while len(self._toil_services) <= tier:
            self._toil_services.append([])
        self._toil_services[tier].append(host)
        return host.rv()

    def hasService(self, service: Any) -> bool:
        return any(getattr(host, "service", None) is service for tier in self._toil_services for host in tier)

    def encapsulate(self, name: str | None = None) -> EncapsulatedJob:
        """Wrap this job so successors added to the wrapper run after this job's whole subgraph."""
        return EncapsulatedJob(self, unitName=name)

    # -- running --------------------------------------------------------------------------
    def run(self, fileStore: FileStore) -> Any:
        """Override with the job's work; the return value is what ``rv()`` promises."""
        return None

    @property
    def fileStore(self) -> FileStore:
        if self._toil_file_store is None:
            raise JobException(f"Job {self.jobName} has no file store: it is not running")
        return self._toil_file_store

    @property
    def tempDir(self) -> str:
        return self.fileStore.getLocalTempDir()

    def log(self, text: str, level: int = logging.INFO) -> None:
        """Send a message to the leader's log."""
        if self._toil_file_store is None:
            logger.log(level, text)
        else:
            self._toil_file_store.log_to_leader(text, level)

    def defer(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        """Call function(*args, **kwargs) when this job ends, whether it succeeds or fails."""
        self.fileStore.registerDeferredFunction(function, *args, **kwargs)

    def _run_body(self, fileStore: FileStore) -> Any:
        self._toil_file_store = fileStore
        return self.run(fileStore)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        # Successors are written as their own records; the file store is per attempt.
        state["_toil_children"] = []
        state["_toil_follow_ons"] = []
        state.pop("_toil_added", None)
        state["_toil_services"] = []
        state["_toil_file_store"] = None
        return state

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.displayName} {self._toil_id}>"


def _split_requirement_kwargs(fn: Callable[..., Any], kwargs: dict[str, Any]) -> dict[str, Any]:
    """Take Toil's job keywords out of kwargs; fall back to the function's own defaults."""
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        params = {}  # type: ignore[assignment]
    job_kwargs: dict[str, Any] = {}
    if "name" in kwargs:  # Toil's keyword for a wrapped function's unit name
        job_kwargs["unitName"] = kwargs.pop("name")
    for name in (*REQUIREMENT_NAMES, "walltime", "checkpoint", "unitName", "displayName", "local"):
        if name in kwargs:
            job_kwargs[name] = kwargs.pop(name)
        elif name in REQUIREMENT_NAMES and name in params:
            default = params[name].default
            if default is not inspect.Parameter.empty and default is not None:
                job_kwargs[name] = default
    return job_kwargs


class FunctionWrappingJob(Job):
    """A job that calls ``fn(*args, **kwargs)``; its return value is the job's."""

    def __init__(self, userFunction: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        if not callable(userFunction):
            raise JobException(f"Expected a function to wrap, got {userFunction!r}")
        job_kwargs = _split_requirement_kwargs(userFunction, kwargs)
        self._toil_function = userFunction
        self._toil_args = args
        self._toil_kwargs = kwargs
        super().__init__(**job_kwargs)

    @property
    def jobName(self) -> str:
        return str(getattr(self._toil_function, "__name__", type(self).__name__))

    def run(self, fileStore: FileStore) -> Any:
        return self._toil_function(*self._toil_args, **self._toil_kwargs)


class JobFunctionWrappingJob(FunctionWrappingJob):
    """A job that calls ``fn(job, *args, **kwargs)``, giving the function its job."""

    def run(self, fileStore: FileStore) -> Any:
        return self._toil_function(self, *self._toil_args, **self._toil_kwargs)


class EncapsulatedJob(Job):
    """A job and its whole subgraph seen as one: successors run after all of it.

    ``rv()`` is the wrapped job's value. Children and follow-ons added to the wrapper
    hang off an empty follow-on of the wrapped job, so they start once everything the
    wrapped job created has finished.
    """

    def __init__(self, job: Job, unitName: str | None = None) -> None:
        super().__init__(cores=0.0, memory="1M", disk="0", unitName=unitName, local=True)
        self.encapsulatedJob = job
        Job.addChild(self, job)
        self.encapsulatedFollowOn = Job(cores=0.0, memory="1M", disk="0", local=True)
        Job.addFollowOn(self, self.encapsulatedFollowOn)

    def addChild(self, childJob: Job) -> Job:
        return self.encapsulatedFollowOn.addChild(childJob)

    def addFollowOn(self, followOnJob: Job) -> Job:
        return self.encapsulatedFollowOn.addFollowOn(followOnJob)

    def addService(self, service: Any, parentService: Any = None) -> Promise:
        return self.encapsulatedFollowOn.addService(service, parentService)

    def rv(self, *path: Any) -> Promise:
        return self.encapsulatedJob.rv(*path)

    @property
    def jobName(self) -> str:
        return f"Encapsulated({self.encapsulatedJob.jobName})"

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        state["encapsulatedJob"] = None  # written as its own record
        state["encapsulatedFollowOn"] = None
        return state


class Service(abc.ABC):
    """Toil's Job.Service: subclass it with start, stop and (optionally) check."""

    def __init__(
        self,
        memory: Any = None,
        cores: Any = None,
        disk: Any = None,
        accelerators: Any = None,
        preemptible: Any = None,
        preemptable: Any = None,
        unitName: str | None = None,
    ) -> None:
        self._toil_requirements = {
            "memory": memory, "cores": cores, "disk": disk, "accelerators": accelerators,
            "preemptible": preemptible if preemptible is not None else preemptable,
        }
        self.unitName = unitName or ""

    @abc.abstractmethod
    def start(self, job: Any) -> Any:
        """Start the service; the return value is what ``addService`` promised."""

    @abc.abstractmethod
    def stop(self, job: Any) -> None:
        """Stop the service."""

    def check(self) -> bool:
        """Return False (or raise) when the service has failed."""
        return True


Job.Service = Service  # type: ignore[attr-defined]


class ServiceHostJob(Job):
    """The job that hosts one service; the worker runs it through ``toil.core.services.run_service``."""

    def __init__(self, service: Service) -> None:
        if not isinstance(service, Service):
            raise JobException(f"addService needs a Job.Service, got {type(service).__name__}")
        requirements = {k: v for k, v in service._toil_requirements.items() if v is not None}
        super().__init__(unitName=service.unitName, **requirements)
        self.service = service

    @property
    def jobName(self) -> str:
        return type(self.service).__name__

    def run(self, fileStore: FileStore) -> Any:
        raise JobException("a service host runs through the worker's service loop, not run()")


def service_host(job: Job, service: Service) -> Job:
    """The host job of a service already added to job."""
    for tier in job._toil_services:
        for host in tier:
            if getattr(host, "service", None) is service:
                return host
    raise JobException(f"The parent service {type(service).__name__} was not added to {job.displayName}")
