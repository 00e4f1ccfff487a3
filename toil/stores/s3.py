"""The ``aws:REGION:NAME`` job store: a whole workflow's state in one S3 bucket.

The bucket is ``NAME--toil`` (Toil's naming): the suffix keeps ``toil clean`` and
``--clean`` from ever deleting a bucket that some other program owns, and NAME may hold
lower-case letters, digits and single hyphens (at most 57 characters). Layout::

    .toil-jobstore          marker (JSON: format, version, lock scheme, SSE key path and MD5)
    leader/...              the leader lock (see toil.stores.s3_lock)
    <namespace>/<key>       small blobs, one PUT each
    files/<file id>         user files; multipart uploads of PART_SIZE parts when large

S3 is strongly read-after-write consistent, so there is no index beside the objects: a
PUT (or a completed multipart upload) is the atomic update, a listing is the set of keys.
With ``--sseKey FILE`` every blob and file is encrypted server-side with that 32-byte
customer key (SSE-C); the marker, which records the key file's path and the key's MD5,
stays readable so that workers and ``toil clean`` find the key file by themselves.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import json
import os
import re
from collections.abc import Iterator
from typing import IO, Any, cast

from toil.core.jobstore import (
    AbstractJobStore,
    JobStoreCreationError,
    JobStoreError,
    JobStoreExistsError,
    Namespace,
    NoSuchBlobError,
    NoSuchFileError,
    NoSuchJobStoreError,
    NotAJobStoreError,
)
from toil.stores import s3_io
from toil.stores.names import check_file_id, check_key, check_namespace, new_file_id
from toil.stores.options import add_s3_options
from toil.stores.s3_io import Upload, UploadWriter, download_to, error_code, is_missing, open_body
from toil.stores.s3_lock import PROBE_KEY, LeaderLock, probe_scheme

MARKER = ".toil-jobstore"
FORMAT = "toil-s3-jobstore"
VERSION = 1
BUCKET_SUFFIX = "--toil"
FILES = "files/"

_NAME_RE = re.compile(r"[a-z0-9](?:[a-z0-9]|-(?!-)){0,55}[a-z0-9]|[a-z0-9]")


class S3JobStoreError(JobStoreError, OSError):
    """S3 refused a request of the job store, or could not be reached."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "S3 job store error"


def bucket_for(locator: str, name: str) -> str:
    """Return the bucket of a job store NAME, or raise JobStoreCreationError for a bad name."""
    if not _NAME_RE.fullmatch(name):
        raise JobStoreCreationError(
            f"The job store name '{name}' in '{locator}' is not usable as an S3 bucket name: use 1-57 "
            "lower-case letters, digits and single hyphens, starting and ending with a letter or digit."
        )
    return name + BUCKET_SUFFIX


def read_sse_key(path: str) -> bytes:
    """Read a 32-byte SSE-C key from a file (a trailing newline after 32 characters is ignored)."""
    try:
        with open(path, "rb") as f:
            key = f.read(1 << 10)
    except OSError as e:
        raise JobStoreError(f"Cannot read the --sseKey file {path}: {e.strerror or e}.") from None
    if len(key) == 33 and key.endswith(b"\n"):
        key = key[:-1]
    if len(key) != 32:
        raise JobStoreError(f"The --sseKey file {path} must hold exactly 32 bytes (it holds {len(key)}).")
    return key


def _key_md5(key: bytes) -> str:
    return base64.b64encode(hashlib.md5(key).digest()).decode()


class S3JobStore(AbstractJobStore):
    """A job store kept in the S3 bucket ``NAME--toil`` of REGION."""

    def __init__(self, locator: str, region_and_name: str) -> None:
        super().__init__(locator)
        self.region, _, self.name = region_and_name.partition(":")
        self.bucket = self.name + BUCKET_SUFFIX  # validated by create(); other calls just miss it
        self._sse_path: str | None = None
        self._sse: dict[str, Any] = {}
        self._lock: LeaderLock | None = None

    # -- plugin hooks -----------------------------------------------------------------------
    @classmethod
    def add_options(cls, parser: argparse.ArgumentParser) -> None:
        add_s3_options(parser)

    def configure(self, options: argparse.Namespace) -> None:
        path = getattr(options, "sseKey", None)
        if path:
            self._use_key(os.path.abspath(path))

    def _use_key(self, path: str) -> None:
        key = read_sse_key(path)
        self._sse_path = path
        self._sse = {"SSECustomerAlgorithm": "AES256", "SSECustomerKey": key}

    # -- plumbing ---------------------------------------------------------------------------
    def _s3(self) -> Any:
        try:
            with self._errors("the job store"):
                return s3_io.client(self.region)
        except s3_io.S3AccessError as e:
            raise S3JobStoreError(str(e)) from None

    def _errors(self, what: str) -> contextlib.AbstractContextManager[None]:
        return s3_io.s3_errors(f"{what} of '{self.locator}' (bucket {self.bucket})",
                               lambda: s3_io.endpoint_of(s3_io.client(self.region)), S3JobStoreError)

    def _marker(self) -> dict[str, Any] | None:
        """The marker's content; None when the bucket is there without one."""
        s3 = self._s3()
        with self._errors("the marker"):
            try:
                data = s3.get_object(Bucket=self.bucket, Key=MARKER)["Body"].read()
            except Exception as e:
                if error_code(e) == "NoSuchBucket":
                    raise NoSuchJobStoreError(self.locator) from None
                if is_missing(e):
                    return None
                raise
        try:
            info = json.loads(data)
            if not isinstance(info, dict):
                raise ValueError(info)
            return info
        except ValueError:
            raise NotAJobStoreError(f"The job store '{self.locator}' has a damaged marker object.") from None

    # -- life cycle -------------------------------------------------------------------------
    def create(self) -> None:
        self.bucket = bucket_for(self.locator, self.name)
        s3 = self._s3()
        with self._errors("creating the bucket"):
            self._create_bucket(s3)
            scheme = probe_scheme(s3, self.bucket)
            info: dict[str, Any] = {"format": FORMAT, "version": VERSION, "lock": scheme}
            if self._sse_path:
                info.update(sse_key_path=self._sse_path, sse_key_md5=_key_md5(self._sse["SSECustomerKey"]))
            try:
                s3.put_object(Bucket=self.bucket, Key=MARKER, Body=json.dumps(info).encode(), IfNoneMatch="*")
            except Exception as e:
                if error_code(e) == "PreconditionFailed":
                    raise JobStoreExistsError(self.locator) from None
                raise
        self._lock = LeaderLock(self._s3, self.bucket, self.locator, scheme)

    def _create_bucket(self, s3: Any) -> None:
        extra: dict[str, Any] = {}
        if self.region and self.region != "us-east-1":
            extra["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
        try:
            s3.create_bucket(Bucket=self.bucket, **extra)
            return
        except Exception as e:
            code = error_code(e)
            if code == "BucketAlreadyExists":
                raise JobStoreCreationError(
                    f"Cannot create the job store '{self.locator}': the bucket {self.bucket} belongs to someone "
                    "else; choose another name."
                ) from None
            if code != "BucketAlreadyOwnedByYou":
                raise
        if self._marker() is not None:
            raise JobStoreExistsError(self.locator)
        if not self._creation_leftovers_only(s3):
            raise NotAJobStoreError(
                f"Cannot create the job store '{self.locator}': the bucket {self.bucket} exists, is not empty "
                "and is not a job store."
            )

    def _creation_leftovers_only(self, s3: Any) -> bool:
        """Whether the bucket (without a marker) holds at most what an interrupted create() leaves: the probe."""
        with self._errors("listing the bucket"):
            listed = s3.list_objects_v2(Bucket=self.bucket, MaxKeys=2)
        return all(item["Key"] == PROBE_KEY for item in listed.get("Contents", []))

    def resume(self) -> None:
        info = self._marker()
        if info is None and self._creation_leftovers_only(self._s3()):
            # A leader killed while it created the store: no workflow was ever written to it, and a run
            # without --restart creates the store in this bucket.
            raise NoSuchJobStoreError(self.locator)
        if info is None:
            raise NotAJobStoreError(f"'{self.locator}' exists but is not a job store (the bucket {self.bucket} "
                                    f"has no {MARKER}).")
        if info.get("format") != FORMAT or int(info.get("version", 0)) > VERSION:
            raise NotAJobStoreError(f"The job store '{self.locator}' has a format this Toil does not read "
                                    f"({info.get('format')} version {info.get('version')}).")
        self._check_key(info)
        self._lock = LeaderLock(self._s3, self.bucket, self.locator, str(info.get("lock", "claims")))

    def _check_key(self, info: dict[str, Any]) -> None:
        md5 = info.get("sse_key_md5")
        if md5 is None:
            if self._sse_path:
                raise JobStoreError(f"The job store '{self.locator}' is not encrypted; run without --sseKey.")
            return
        if not self._sse_path:
            self._use_key(str(info.get("sse_key_path")))
        if _key_md5(self._sse["SSECustomerKey"]) != md5:
            raise JobStoreError(f"The key in {self._sse_path} is not the key the job store '{self.locator}' "
                                "was encrypted with.")

    def exists(self) -> bool:
        try:
            return self._marker() is not None
        except NoSuchJobStoreError:
            return False

    def destroy(self) -> None:
        if self._lock is not None:
            self._lock.release()
        s3 = self._s3()
        try:
            if self._marker() is None and s3.list_objects_v2(Bucket=self.bucket, MaxKeys=1).get("KeyCount", 0):
                raise NotAJobStoreError(f"Refusing to delete '{self.locator}': the bucket {self.bucket} is not "
                                        "a job store.")
        except NoSuchJobStoreError:
            return
        with self._errors("deleting the bucket"):
            for attempt in range(5):
                self._empty_bucket(s3)
                try:
                    s3.delete_bucket(Bucket=self.bucket)
                    return
                except Exception as e:
                    if error_code(e) == "NoSuchBucket":
                        return
                    if error_code(e) != "BucketNotEmpty" or attempt == 4:
                        raise

    def _empty_bucket(self, s3: Any) -> None:
        """Abort unfinished uploads, delete every object, the marker last."""
        with contextlib.suppress(Exception):
            for page in s3.get_paginator("list_multipart_uploads").paginate(Bucket=self.bucket):
                for upload in page.get("Uploads", []):
                    s3.abort_multipart_upload(Bucket=self.bucket, Key=upload["Key"], UploadId=upload["UploadId"])
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket):
            keys = [{"Key": item["Key"]} for item in page.get("Contents", []) if item["Key"] != MARKER]
            if keys:
                s3.delete_objects(Bucket=self.bucket, Delete={"Objects": keys, "Quiet": True})
        s3.delete_object(Bucket=self.bucket, Key=MARKER)

    # -- leader lock ------------------------------------------------------------------------
    def _leader_lock(self) -> LeaderLock:
        if self._lock is None:
            self.resume()
        assert self._lock is not None
        return self._lock

    def acquire_leader_lock(self, owner: str) -> None:
        lock = self._leader_lock()
        with self._errors("the leader lock"):
            lock.acquire(owner)

    def release_leader_lock(self) -> None:
        if self._lock is not None:
            with self._errors("the leader lock"):
                self._lock.release()

    # -- small blobs ------------------------------------------------------------------------
    @staticmethod
    def _blob_key(namespace: Namespace, key: str) -> str:
        check_namespace(namespace)
        check_key(key)
        return f"{namespace}/{key}"

    def put(self, namespace: Namespace, key: str, data: bytes) -> None:
        name = self._blob_key(namespace, key)
        with self._errors(f"writing {name}"):
            self._s3().put_object(Bucket=self.bucket, Key=name, Body=data, **self._sse)

    def get(self, namespace: Namespace, key: str) -> bytes:
        name = self._blob_key(namespace, key)
        with self._errors(f"reading {name}"):
            try:
                response = self._s3().get_object(Bucket=self.bucket, Key=name, **self._sse)
            except Exception as e:
                if is_missing(e):
                    raise NoSuchBlobError(namespace, key) from None
                raise
            data: bytes = response["Body"].read()
            return data

    def has(self, namespace: Namespace, key: str) -> bool:
        return self._head(self._blob_key(namespace, key)) is not None

    def _head(self, name: str) -> dict[str, Any] | None:
        with self._errors(f"looking up {name}"):
            try:
                response: dict[str, Any] = self._s3().head_object(Bucket=self.bucket, Key=name, **self._sse)
                return response
            except Exception as e:
                if is_missing(e):
                    return None
                raise

    def delete(self, namespace: Namespace, key: str) -> None:
        name = self._blob_key(namespace, key)
        with self._errors(f"deleting {name}"):
            self._s3().delete_object(Bucket=self.bucket, Key=name)

    def _list(self, prefix: str) -> Iterator[str]:
        s3 = self._s3()
        with self._errors(f"listing {prefix}"):
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
                for item in page.get("Contents", []):
                    yield str(item["Key"])[len(prefix):]

    def keys(self, namespace: Namespace) -> Iterator[str]:
        check_namespace(namespace)
        return self._list(namespace + "/")

    # -- user files -------------------------------------------------------------------------
    def new_file_id(self, basename: str | None = None) -> str:
        return new_file_id(basename)

    @staticmethod
    def _file_key(file_id: str) -> str:
        check_file_id(file_id)
        return FILES + file_id

    def write_file(self, local_path: str, file_id: str | None = None, owned: bool = False) -> str:
        file_id = file_id or self.new_file_id()
        name = self._file_key(file_id)
        with self._errors(f"writing {name}"), open(local_path, "rb") as source:
            s3_io.upload_stream(Upload(self._s3(), self.bucket, name, self._sse), source)
        return file_id

    def read_file(self, file_id: str, local_path: str, link: bool = False) -> None:
        """Download a stored file to local_path (S3 has nothing to link: always a copy)."""
        name = self._file_key(file_id)
        with self._errors(f"reading {name}"):
            try:
                download_to(self._s3(), self.bucket, name, local_path, self._sse)
            except Exception as e:
                if is_missing(e):
                    raise NoSuchFileError(file_id) from None
                raise

    @contextlib.contextmanager
    def write_file_stream(self, file_id: str | None = None) -> Iterator[tuple[IO[bytes], str]]:
        file_id = file_id or self.new_file_id()
        name = self._file_key(file_id)
        writer = UploadWriter(Upload(self._s3(), self.bucket, name, self._sse))
        try:
            with self._errors(f"writing {name}"):
                yield cast(IO[bytes], writer), file_id
                writer.commit()
        except BaseException:
            with self._errors(f"aborting the upload of {name}"):
                writer.abort()
            raise

    @contextlib.contextmanager
    def read_file_stream(self, file_id: str) -> Iterator[IO[bytes]]:
        name = self._file_key(file_id)
        with self._errors(f"reading {name}"):
            try:
                response = self._s3().get_object(Bucket=self.bucket, Key=name, **self._sse)
            except Exception as e:
                if is_missing(e):
                    raise NoSuchFileError(file_id) from None
                raise
        with open_body(response["Body"]) as stream:
            yield stream

    def file_exists(self, file_id: str) -> bool:
        return self._head(self._file_key(file_id)) is not None

    def file_size(self, file_id: str) -> int:
        head = self._head(self._file_key(file_id))
        if head is None:
            raise NoSuchFileError(file_id)
        return int(head["ContentLength"])

    def delete_file(self, file_id: str) -> None:
        name = self._file_key(file_id)
        with self._errors(f"deleting {name}"):
            self._s3().delete_object(Bucket=self.bucket, Key=name)

    def file_ids(self) -> Iterator[str]:
        return self._list(FILES)

