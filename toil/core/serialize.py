"""Pickling of job bodies and return values, with promises as explicit references.

A Promise inside a body or a return value is written as a persistent reference
``("promise", producer job id, path)``: nothing of the producer is pickled. Loading a
body or a value goes through an explicit resolver that reads producers' return values
from the job store (promises of promises too, to any depth, without recursion).
"""

from __future__ import annotations

import functools
import io
import marshal
import pickle
import types
from collections.abc import Callable
from typing import Any

import cloudpickle

PROTOCOL = 5


class PromiseRef:
    """The persistent form of a promise: the producer's id and a path into its value."""

    __slots__ = ("job_id", "path")

    def __init__(self, job_id: str, path: tuple[Any, ...]) -> None:
        self.job_id = job_id
        self.path = path

    def __repr__(self) -> str:
        return f"PromiseRef({self.job_id!r}, {self.path!r})"


class PromiseBase:
    """What the pickler writes as a reference: subclasses give ``promise_ref()``."""

    def promise_ref(self) -> PromiseRef:
        raise NotImplementedError


class CodePickler(cloudpickle.Pickler):  # type: ignore[misc]  # cloudpickle ships no types
    """cloudpickle, with code objects written whole so tracebacks name the user's file and line.

    Functions that cannot be imported where they run (those of ``__main__``, of a script's
    sibling modules) travel by value, as code objects. How cloudpickle writes those is its own
    affair: 3.1.3 replaces each ``co_filename`` with ``"<dynamic-code>"``, so a failing job's
    traceback lost the script's path and source line. A code object is written here with
    ``marshal``, which keeps every field (file name, line table, nested code); the reader is the
    same Python, as cloudpickle's by-value functions require anyway.
    """

    def reducer_override(self, obj: Any) -> Any:
        if type(obj) is types.CodeType:
            return marshal.loads, (marshal.dumps(obj),)
        return super().reducer_override(obj)


def dumps_plain(obj: Any) -> bytes:
    """Pickle obj with CodePickler (no promise references)."""
    buffer = io.BytesIO()
    CodePickler(buffer, protocol=PROTOCOL).dump(obj)
    return buffer.getvalue()


class _Pickler(CodePickler):
    def __init__(self, file: io.BytesIO, found: list[PromiseRef]) -> None:
        super().__init__(file, protocol=PROTOCOL)
        self._found = found

    def persistent_id(self, obj: Any) -> Any:
        if isinstance(obj, PromiseBase):
            ref = obj.promise_ref()
            self._found.append(ref)
            return ("promise", ref.job_id, ref.path)
        if isinstance(obj, PromiseRef):
            self._found.append(obj)
            return ("promise", obj.job_id, obj.path)
        return None


def dumps(obj: Any) -> tuple[bytes, list[PromiseRef]]:
    """Pickle obj; return the bytes and the promises found in it."""
    buffer = io.BytesIO()
    found: list[PromiseRef] = []
    _Pickler(buffer, found).dump(obj)
    return buffer.getvalue(), found


Resolver = Callable[[PromiseRef], Any]


class _Unpickler(pickle.Unpickler):
    def __init__(self, data: bytes, resolver: Resolver | None) -> None:
        super().__init__(io.BytesIO(data))
        self._resolver = resolver

    def persistent_load(self, pid: Any) -> Any:
        if not (isinstance(pid, tuple) and len(pid) == 3 and pid[0] == "promise"):
            raise pickle.UnpicklingError(f"unknown persistent reference {pid!r}")
        ref = PromiseRef(pid[1], tuple(pid[2]))
        if self._resolver is None:
            return ref
        return self._resolver(ref)


def loads(data: bytes, resolver: Resolver | None = None) -> Any:
    """Unpickle data, resolving promises through resolver (or leaving PromiseRefs)."""
    return _Unpickler(data, resolver).load()


def follow_path(value: Any, path: tuple[Any, ...]) -> Any:
    """Index into a return value along a promise's path (rv(0), rv('key'), rv(1, 'a'))."""
    for step in path:
        value = value[step]
    return value


class ResultReader:
    """Resolve promises by reading producers' return values, caching each one read."""

    def __init__(self, read_result: Callable[[str], bytes]) -> None:
        self._read_result = read_result
        self._cache: dict[str, Any] = {}

    def __call__(self, ref: PromiseRef) -> Any:
        self._resolve(ref.job_id)
        return follow_path(self._cache[ref.job_id], ref.path)

    def _resolve(self, job_id: str) -> None:
        """Read job_id's value, and the values it refers to first, without recursion.

        A chain of jobs each returning its child's promise makes results that refer to each
        other N deep; unpickling them recursively overflowed Python's stack at N near 1,000.
        A value is unpickled once to learn which values it refers to that are not read yet,
        and again once they all are: at most twice, however many promises it holds.
        """
        pending = [job_id]
        raw: dict[str, bytes] = {}  # read, waiting for the values they refer to
        while pending:
            current = pending[-1]
            if current in self._cache:
                pending.pop()
                continue
            if current not in raw:
                raw[current] = self._read_result(current)
            missing: dict[str, None] = {}
            value = loads(raw[current], functools.partial(self._known, missing))
            if not missing:
                self._cache[current] = value
                del raw[current]
                pending.pop()
                continue
            for needed in missing:
                if needed in raw:  # read and waiting on this one: the values form a cycle
                    raise ValueError(f"the return values of jobs {list(raw)} refer to each other in a cycle")
                pending.append(needed)

    def _known(self, missing: dict[str, None], ref: PromiseRef) -> Any:
        if ref.job_id not in self._cache:
            missing[ref.job_id] = None
            return None
        return follow_path(self._cache[ref.job_id], ref.path)
