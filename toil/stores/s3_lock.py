"""The leader lock of the S3 job store: an object that only one leader can create.

Two schemes, chosen once when the store is created and recorded in its marker, so every
process agrees on it:

``conditional`` (servers with conditional writes: AWS S3 since 2024, SeaweedFS, MinIO)
    The lock is ``leader/lock``, written with ``If-None-Match: *``: of two leaders racing,
    S3 lets exactly one create it. Renewals are ``If-Match`` the holder's ETag, release a
    ``DeleteObject`` ``If-Match`` it, so a leader never overwrites or removes a lock it lost.

``claims`` (servers that ignore or refuse conditional writes)
    Each contender writes its own ``leader/claims/<token>`` and then lists the claims; it
    holds the lock only if its claim is the only live one, else it withdraws its claim and
    retries after a random pause. S3's strong read-after-write and list consistency make
    this safe: of two claims, the one written second is always seen by its writer's list.

In both schemes the record names its holder (owner text, host, boot id, pid and the pid's
start time) and a heartbeat thread rewrites it every ``lease / 4`` seconds. A record is
stale, and is removed by the next contender, when its holder is a dead process on this
machine (seen at once, so ``--restart`` on the same machine after a killed leader works
immediately) or when the server's own clock says it was not renewed for ``lease`` seconds
(a leader killed on another machine blocks ``--restart`` for at most that long).
"""

from __future__ import annotations

import contextlib
import email.utils
import json
import logging
import os
import random
import socket
import threading
import time
import uuid
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from toil.core.jobstore import JobStoreLockedError
from toil.stores.s3_io import error_code, is_missing, status_of

logger = logging.getLogger(__name__)

LOCK_KEY = "leader/lock"
CLAIMS_PREFIX = "leader/claims/"
PROBE_KEY = "leader/probe"
LEASE_SECONDS = 60.0
CLAIM_ROUNDS = 8


def _boot_id() -> str:
    try:
        with open("/proc/sys/kernel/random/boot_id") as f:
            return f.read().strip()
    except OSError:
        return ""


def _process_start(pid: int) -> str | None:
    """The start time of a live process in clock ticks ('' where /proc is missing), None if dead."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return None
    except OSError:
        return ""
    return None if fields[0] in ("Z", "X") else fields[19]


def _alive(pid: int, start: str) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    now = _process_start(pid)
    return now is not None and (not start or not now or now == start)


@dataclass
class Record:
    """What a lock object says about its holder."""

    owner: str
    host: str
    boot_id: str
    pid: int
    start: str
    token: str

    @classmethod
    def mine(cls, owner: str) -> Record:
        pid = os.getpid()
        return cls(owner, socket.gethostname(), _boot_id(), pid, _process_start(pid) or "", uuid.uuid4().hex)

    @classmethod
    def parse(cls, data: bytes) -> Record | None:
        try:
            fields = json.loads(data)
            return cls(str(fields["owner"]), str(fields["host"]), str(fields["boot_id"]), int(fields["pid"]),
                       str(fields["start"]), str(fields["token"]))
        except (ValueError, KeyError, TypeError):
            return None

    def dump(self) -> bytes:
        return json.dumps(self.__dict__).encode()

    def dead_here(self) -> bool:
        """Tell whether the holder is a process of this machine that no longer runs."""
        here = self.host == socket.gethostname() and self.boot_id == _boot_id()
        return here and not _alive(self.pid, self.start)


def _server_age(response: dict[str, Any]) -> float:
    """Seconds since the object was last written, by the server's clock (clock-skew free)."""
    modified: datetime = response["LastModified"]
    date = response.get("ResponseMetadata", {}).get("HTTPHeaders", {}).get("date")
    now = email.utils.parsedate_to_datetime(date) if date else datetime.now(timezone.utc)
    return (now - modified).total_seconds()


# Locks held in this process; a forked child (a zygote, a worker) must not renew or release them.
_HELD: weakref.WeakSet[LeaderLock] = weakref.WeakSet()


def _forget_in_child() -> None:
    for lock in list(_HELD):
        lock._forget()
    _HELD.clear()


os.register_at_fork(after_in_child=_forget_in_child)


class LeaderLock:
    """The lock of one store; ``acquire`` raises JobStoreLockedError naming the holder."""

    def __init__(self, s3: Callable[[], Any], bucket: str, locator: str, scheme: str,
                 lease: float = LEASE_SECONDS) -> None:
        self._s3, self._bucket, self._locator, self.scheme, self.lease = s3, bucket, locator, scheme, lease
        self._record: Record | None = None
        self._etag = ""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def held(self) -> bool:
        return self._record is not None

    def acquire(self, owner: str) -> None:
        if self._record is not None:
            return
        record = Record.mine(owner)
        if self.scheme == "conditional":
            self._acquire_conditional(record)
        else:
            self._acquire_claim(record)
        self._record = record
        _HELD.add(self)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._heartbeat, name="toil-s3-lock", daemon=True)
        self._thread.start()

    def release(self) -> None:
        record, self._record = self._record, None
        if record is None:
            return
        _HELD.discard(self)
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(10)
        self._thread = None
        s3 = self._s3()
        with contextlib.suppress(Exception):
            if self.scheme == "conditional":
                s3.delete_object(Bucket=self._bucket, Key=LOCK_KEY, IfMatch=self._etag)
            else:
                s3.delete_object(Bucket=self._bucket, Key=CLAIMS_PREFIX + record.token)

    def _forget(self) -> None:
        self._record = None
        self._thread = None

    def _locked(self, holder: Record | None) -> JobStoreLockedError:
        who = holder.owner if holder is not None else "owner unknown"
        return JobStoreLockedError(
            f"The job store '{self._locator}' is in use by another leader ({who}); "
            "wait for it to finish or stop it with toil kill."
        )

    # -- conditional ------------------------------------------------------------------------
    def _acquire_conditional(self, record: Record) -> None:
        s3 = self._s3()
        for _ in range(3):
            try:
                sent = s3.put_object(Bucket=self._bucket, Key=LOCK_KEY, Body=record.dump(), IfNoneMatch="*")
                self._etag = str(sent["ETag"])
                return
            except Exception as e:
                if status_of(e) not in (409, 412) and error_code(e) not in ("PreconditionFailed",
                                                                            "ConditionalRequestConflict"):
                    raise
            holder, etag, stale = self._inspect(LOCK_KEY)
            if etag is None:
                continue  # released meanwhile: try again
            if not stale:
                raise self._locked(holder)
            logger.warning("Taking over the leader lock of %s from a dead leader (%s)", self._locator,
                           holder.owner if holder else "owner unknown")
            with contextlib.suppress(Exception):
                s3.delete_object(Bucket=self._bucket, Key=LOCK_KEY, IfMatch=etag)
        raise self._locked(None)

    def _inspect(self, key: str) -> tuple[Record | None, str | None, bool]:
        """Read a lock record: (holder, etag or None when missing, stale?)."""
        try:
            response = self._s3().get_object(Bucket=self._bucket, Key=key)
            data = response["Body"].read()
        except Exception as e:
            if is_missing(e):
                return None, None, False
            raise
        holder = Record.parse(data)
        expired = _server_age(response) > self.lease
        return holder, str(response["ETag"]), expired or holder is None or holder.dead_here()

    # -- claims -----------------------------------------------------------------------------
    def _live_claims(self, mine: str) -> list[Record | None]:
        s3 = self._s3()
        live: list[Record | None] = []
        pages = s3.get_paginator("list_objects_v2").paginate(Bucket=self._bucket, Prefix=CLAIMS_PREFIX)
        for page in pages:
            for item in page.get("Contents", []):
                key = str(item["Key"])
                if key == CLAIMS_PREFIX + mine:
                    continue
                holder, etag, stale = self._inspect(key)
                if etag is None:
                    continue
                if stale:
                    with contextlib.suppress(Exception):
                        s3.delete_object(Bucket=self._bucket, Key=key)
                else:
                    live.append(holder)
        return live

    def _acquire_claim(self, record: Record) -> None:
        s3 = self._s3()
        mine = CLAIMS_PREFIX + record.token
        for attempt in range(CLAIM_ROUNDS):
            live = self._live_claims(record.token)
            if live:
                raise self._locked(live[0])
            s3.put_object(Bucket=self._bucket, Key=mine, Body=record.dump())
            if not self._live_claims(record.token):
                return
            s3.delete_object(Bucket=self._bucket, Key=mine)
            time.sleep(random.uniform(0.05, 0.3) * (attempt + 1))
        raise self._locked(None)

    # -- heartbeat --------------------------------------------------------------------------
    def _heartbeat(self) -> None:
        while not self._stop.wait(self.lease / 4):
            record = self._record
            if record is None:
                return
            try:
                self._renew(record)
            except Exception as e:
                if status_of(e) == 412 or error_code(e) == "PreconditionFailed":
                    logger.error("Lost the leader lock of %s: another leader took it over", self._locator)
                    return
                logger.warning("Could not renew the leader lock of %s: %s", self._locator, e)

    def _renew(self, record: Record) -> None:
        s3 = self._s3()
        if self.scheme == "conditional":
            sent = s3.put_object(Bucket=self._bucket, Key=LOCK_KEY, Body=record.dump(), IfMatch=self._etag)
            self._etag = str(sent["ETag"])
        else:
            s3.put_object(Bucket=self._bucket, Key=CLAIMS_PREFIX + record.token, Body=record.dump())


def probe_scheme(s3: Any, bucket: str) -> str:
    """Tell whether the server honours ``If-None-Match: *`` on PutObject ('conditional') or not."""
    try:
        s3.put_object(Bucket=bucket, Key=PROBE_KEY, Body=b"probe", IfNoneMatch="*")
        s3.put_object(Bucket=bucket, Key=PROBE_KEY, Body=b"probe", IfNoneMatch="*")
        scheme = "claims"  # the second create-only write went through: the header is ignored
    except Exception as e:
        if status_of(e) == 412 or error_code(e) == "PreconditionFailed":
            scheme = "conditional"
        elif status_of(e) in (400, 501) or error_code(e) == "NotImplemented":
            scheme = "claims"
        else:
            raise
    with contextlib.suppress(Exception):
        s3.delete_object(Bucket=bucket, Key=PROBE_KEY)
    return scheme
