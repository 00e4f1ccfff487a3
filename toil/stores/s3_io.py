"""boto3 plumbing shared by the S3 job store and ``s3://`` URLs.

Clients come from boto3's default session, so the usual credential chain, profiles
(``AWS_PROFILE``) and endpoints (``AWS_ENDPOINT_URL_S3``, ``AWS_ENDPOINT_URL``, the config
file) apply. boto3 is imported only when a client is first needed: this module (and the
job store's options) load without the ``aws`` extra installed.

Large objects move in parts of a fixed size (``PART_SIZE``): an upload holds at most one
part in memory, a download one read buffer, whatever the size of the object.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import os
import threading
from collections.abc import Callable, Iterator
from typing import IO, Any

#: Every part of a multipart upload but the last has this size; objects smaller than this
#: go up in one PUT. 10,000 parts (S3's limit) make the largest object 78 GiB; the size is
#: a trade of that limit against the memory of a stream being written (one part).
PART_SIZE = 8 << 20
MAX_PARTS = 10_000
#: Read size of downloads.
CHUNK = 1 << 20

_clients: dict[str | None, Any] = {}
_clients_lock = threading.Lock()
# One boto3 session for the process and its forked children: a client made in a child
# reuses the service model the parent loaded (tens of MB) instead of loading its own.
_session: Any = None


def _drop_connections_in_child() -> None:
    """Keep the clients a forked child inherits, but none of its parent's open connections.

    ``close()`` (public botocore API) drops the client's connection pools; the next request
    opens a connection of the child's own. Closing the inherited sockets only drops the
    child's references: the parent's connections stay open. A client that cannot be closed
    is dropped instead.
    """
    for region, found in list(_clients.items()):
        try:
            found.close()
        except Exception:
            del _clients[region]


os.register_at_fork(after_in_child=_drop_connections_in_child)


class S3AccessError(OSError):
    """S3 refused or could not be reached; the message is one line for the user."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "S3 error"


def client(region: str | None = None) -> Any:
    """Return this process's S3 client for region (thread-safe, shared by all stores)."""
    with _clients_lock:
        found = _clients.get(region)
        if found is None:
            found = _clients[region] = _new_client(region)
        return found


def _new_client(region: str | None) -> Any:
    try:
        import boto3
        from botocore.config import Config
    except ImportError:
        raise S3AccessError("S3 needs boto3: pip install 'toil[aws]'.") from None
    settings: dict[str, Any] = {"connect_timeout": 10, "read_timeout": 120}
    if "AWS_MAX_ATTEMPTS" not in os.environ and "AWS_RETRY_MODE" not in os.environ:
        settings["retries"] = {"mode": "standard", "max_attempts": 5}
    # S3-compatible servers (SeaweedFS, older MinIO and Ceph) may not accept the CRC32
    # trailers boto3 sends by default; send checksums only where S3 requires them.
    if "AWS_REQUEST_CHECKSUM_CALCULATION" not in os.environ:
        settings["request_checksum_calculation"] = "when_required"
    if "AWS_RESPONSE_CHECKSUM_VALIDATION" not in os.environ:
        settings["response_checksum_validation"] = "when_required"
    global _session
    if _session is None:
        _session = boto3.session.Session()
    session = _session
    s3 = session.client("s3", region_name=region or session.region_name or None, config=Config(**settings))
    for operation in ("PutObject", "UploadPart"):
        s3.meta.events.register(f"before-parameter-build.s3.{operation}", _add_content_md5)
    return s3


def _add_content_md5(params: dict[str, Any], **_: Any) -> None:
    """Send Content-MD5 with every body we hold in memory, so that no server keeps a cut-short PUT.

    A writer killed after sending a PUT's headers but before its body leaves SeaweedFS (4.48)
    storing an empty object under the key: a torn job record that no restart can read. With
    the body's MD5 in the headers the server rejects any body but the whole one.
    """
    body = params.get("Body")
    if isinstance(body, (bytes, bytearray)) and "ContentMD5" not in params:
        params["ContentMD5"] = base64.b64encode(hashlib.md5(body, usedforsecurity=False).digest()).decode()


def endpoint_of(s3: Any) -> str:
    return str(getattr(getattr(s3, "meta", None), "endpoint_url", "") or "S3")


def error_code(error: BaseException) -> str:
    """The S3 error code of a botocore ClientError ('' for anything else)."""
    response = getattr(error, "response", None)
    if not isinstance(response, dict):
        return ""
    return str(response.get("Error", {}).get("Code", ""))


def status_of(error: BaseException) -> int:
    response = getattr(error, "response", None)
    if not isinstance(response, dict):
        return 0
    return int(response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))


def is_missing(error: BaseException) -> bool:
    return error_code(error) in ("NoSuchKey", "404", "NotFound") or (
        status_of(error) == 404 and error_code(error) not in ("NoSuchBucket", "NoSuchUpload")
    )


CREDENTIAL_CODES = frozenset({"InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken",
                              "AuthorizationHeaderMalformed", "InvalidClientTokenId"})


def describe(error: BaseException, what: str, endpoint: str = "S3") -> str | None:
    """One line telling what went wrong talking to S3, or None when error is not S3's."""
    try:
        from botocore import exceptions as bx
    except ImportError:
        return None
    code = error_code(error)
    if code in CREDENTIAL_CODES:
        return (f"{endpoint} refused the credentials ({code}) for {what}: check AWS_ACCESS_KEY_ID and "
                "AWS_SECRET_ACCESS_KEY, AWS_PROFILE or the credentials file.")
    if code in ("AccessDenied", "403", "AllAccessDisabled"):
        return f"Access denied to {what} by {endpoint}: wrong credentials, or no permission for it."
    if code == "InvalidBucketName":
        return f"{endpoint} rejected the bucket name of {what} as invalid."
    if isinstance(error, bx.ClientError):
        message = error.response.get("Error", {}).get("Message") or ""
        return f"{endpoint} failed on {what}: {code or status_of(error)} {message}".rstrip() + "."
    if isinstance(error, bx.NoCredentialsError | bx.PartialCredentialsError):
        return f"No AWS credentials for {what}: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or a profile."
    if isinstance(error, bx.EndpointConnectionError | bx.ConnectTimeoutError):
        return f"Cannot reach the S3 endpoint {endpoint} for {what}: {error}."
    if isinstance(error, bx.NoRegionError):
        return f"No AWS region for {what}: set AWS_DEFAULT_REGION or a region in the profile."
    if isinstance(error, bx.BotoCoreError):
        return f"S3 failed on {what}: {error}."
    return None


def s3_errors(what: str, endpoint: Callable[[], str],
              wrap: Callable[[str], BaseException]) -> contextlib.AbstractContextManager[None]:
    """Turn S3 failures inside the block into ``wrap(one line)``; other errors pass."""
    return _translate(what, endpoint, wrap)


@contextlib.contextmanager
def _translate(what: str, endpoint: Callable[[], str], wrap: Callable[[str], BaseException]) -> Iterator[None]:
    try:
        yield
    except Exception as e:
        try:
            where = endpoint()
        except Exception:
            where = "S3"  # the client itself cannot be made (a bad profile, ...)
        text = describe(e, what, where)
        if text is None:
            raise
        raise wrap(text) from e


# -- streaming ------------------------------------------------------------------------------
class BodyReader(io.RawIOBase):
    """A botocore StreamingBody as a raw stream, so io.BufferedReader can give full IO."""

    def __init__(self, body: Any) -> None:
        super().__init__()
        self._body = body

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        data = self._body.read(len(view))
        view[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._body.close()
        super().close()


def open_body(body: Any) -> IO[bytes]:
    return io.BufferedReader(BodyReader(body), CHUNK)


class Upload:
    """One object going up: a single PUT when it fits in a part, multipart otherwise.

    ``extra`` holds the arguments every request of the upload needs (SSE-C headers).
    Nothing is visible until ``finish``; ``abort`` removes every uploaded part.
    """

    def __init__(self, s3: Any, bucket: str, key: str, extra: dict[str, Any]) -> None:
        self._s3, self._bucket, self._key, self._extra = s3, bucket, key, extra
        self._upload_id: str | None = None
        self._parts: list[dict[str, Any]] = []

    def part(self, data: bytes | bytearray) -> None:
        """Send one part (every part but the last must be PART_SIZE long)."""
        if self._upload_id is None:
            created = self._s3.create_multipart_upload(Bucket=self._bucket, Key=self._key, **self._extra)
            self._upload_id = str(created["UploadId"])
        if len(self._parts) >= MAX_PARTS:
            raise S3AccessError(f"Cannot upload s3://{self._bucket}/{self._key}: more than {MAX_PARTS} parts.")
        number = len(self._parts) + 1
        sent = self._s3.upload_part(Bucket=self._bucket, Key=self._key, UploadId=self._upload_id,
                                    PartNumber=number, Body=data, **self._extra)
        self._parts.append({"PartNumber": number, "ETag": sent["ETag"]})

    def finish(self, last: bytes | bytearray) -> None:
        """Send the rest and make the object visible."""
        if self._upload_id is None:
            self._s3.put_object(Bucket=self._bucket, Key=self._key, Body=last, **self._extra)
            return
        if last:
            self.part(last)
        self._s3.complete_multipart_upload(Bucket=self._bucket, Key=self._key, UploadId=self._upload_id,
                                           MultipartUpload={"Parts": self._parts}, **self._extra)
        self._upload_id = None

    def abort(self) -> None:
        if self._upload_id is not None:
            with contextlib.suppress(Exception):
                self._s3.abort_multipart_upload(Bucket=self._bucket, Key=self._key, UploadId=self._upload_id)
            self._upload_id = None


def upload_stream(upload: Upload, source: IO[bytes]) -> int:
    """Send everything source holds through upload, reusing one part-sized buffer."""
    total = 0
    buffer = bytearray(PART_SIZE)
    try:
        while True:
            with memoryview(buffer) as view:
                filled = _fill(source, view)
            total += filled
            if filled < PART_SIZE:
                del buffer[filled:]
                upload.finish(buffer)
                return total
            upload.part(buffer)
    except BaseException:
        upload.abort()
        raise


def _fill(source: IO[bytes], view: memoryview) -> int:
    """Read from source into view until it is full or source ends; return the bytes read."""
    filled = 0
    readinto = getattr(source, "readinto", None)
    while filled < len(view):
        if readinto is not None:
            count = readinto(view[filled : filled + CHUNK])
        else:
            piece = source.read(min(CHUNK, len(view) - filled))
            count = len(piece)
            view[filled : filled + count] = piece
        if not count:
            break
        filled += count
    return filled


class UploadWriter(io.RawIOBase):
    """A writable stream that sends each part as it fills; ``commit`` makes the object."""

    def __init__(self, upload: Upload) -> None:
        super().__init__()
        self._upload = upload
        self._buffer = bytearray(PART_SIZE)
        self._filled = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        with memoryview(data) as source, source.cast("B") as view, memoryview(self._buffer) as buffer:
            size = len(view)
            done = 0
            while done < size:
                count = min(PART_SIZE - self._filled, size - done)
                buffer[self._filled : self._filled + count] = view[done : done + count]
                self._filled += count
                done += count
                if self._filled == PART_SIZE:
                    self._upload.part(self._buffer)
                    self._filled = 0
        return size

    def flush(self) -> None:
        """Nothing to flush before commit: parts go up when full."""

    def commit(self) -> None:
        del self._buffer[self._filled :]
        self._upload.finish(self._buffer)
        self._buffer = bytearray()

    def abort(self) -> None:
        self._upload.abort()
        self._buffer = bytearray()


def download_to(s3: Any, bucket: str, key: str, dest: str, extra: dict[str, Any]) -> None:
    """Stream an object to dest through a temporary sibling renamed over dest."""
    response = s3.get_object(Bucket=bucket, Key=key, **extra)
    tmp = f"{dest}~{os.urandom(6).hex()}"
    try:
        with open_body(response["Body"]) as source, open(tmp, "wb") as out:
            while chunk := source.read(CHUNK):
                out.write(chunk)
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
