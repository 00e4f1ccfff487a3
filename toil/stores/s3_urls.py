"""``s3://bucket/key`` URLs for import and export (registered in toil.stores.urls).

A key names a file; a key prefix followed by '/' (or the bucket itself) names a
directory when objects exist under it. Reads stream; writes go up in fixed-size parts,
so neither ever holds a whole large file in memory. Failures are OSErrors with a one-line
message; a missing object or bucket is a URLNotFoundError.
"""

from __future__ import annotations

import builtins
import contextlib
import urllib.parse
from collections.abc import Callable, Iterator
from typing import IO, Any

from toil.stores import s3_io
from toil.stores.urls import URLAccess, URLNotFoundError


def split_url(url: str) -> tuple[str, str]:
    """Return (bucket, key) of an s3:// URL; the key is percent-decoded and may be ''."""
    parsed = urllib.parse.urlsplit(url)
    if not parsed.netloc:
        raise ValueError(f"The S3 URL '{url}' names no bucket (use s3://BUCKET/KEY).")
    return parsed.netloc, urllib.parse.unquote(parsed.path.lstrip("/"))


class S3URLAccess(URLAccess):
    """s3:// through boto3's default session (credential chain, profile, AWS_ENDPOINT_URL_S3)."""

    def __init__(self, client: Callable[[], Any] | None = None) -> None:
        self._client = client or s3_io.client

    def _s3(self) -> Any:
        return self._client()

    def _errors(self, url: str) -> contextlib.AbstractContextManager[None]:
        return s3_io.s3_errors(f"'{url}'", lambda: s3_io.endpoint_of(self._s3()), s3_io.S3AccessError)

    def _head(self, url: str) -> dict[str, Any] | None:
        bucket, key = split_url(url)
        if not key or key.endswith("/"):
            return None
        with self._errors(url):
            try:
                response: dict[str, Any] = self._s3().head_object(Bucket=bucket, Key=key)
                return response
            except Exception as e:
                if s3_io.status_of(e) == 404:
                    return None
                raise

    def _has_children(self, url: str) -> bool:
        bucket, key = split_url(url)
        prefix = key.rstrip("/") + "/" if key else ""
        with self._errors(url):
            try:
                listed = self._s3().list_objects_v2(Bucket=bucket, Prefix=prefix, MaxKeys=1)
            except Exception as e:
                if s3_io.error_code(e) == "NoSuchBucket":
                    return False
                raise
        return bool(listed.get("KeyCount", 0))

    def exists(self, url: str) -> bool:
        return self._head(url) is not None or self._has_children(url)

    def size(self, url: str) -> int:
        head = self._head(url)
        if head is None:
            raise URLNotFoundError(url)
        return int(head["ContentLength"])

    def is_dir(self, url: str) -> bool:
        return self._head(url) is None and self._has_children(url)

    @contextlib.contextmanager
    def open_read(self, url: str) -> Iterator[IO[bytes]]:
        bucket, key = split_url(url)
        if not key or key.endswith("/"):
            raise IsADirectoryError(f"Cannot read '{url}': it names a directory.")
        with self._errors(url):
            try:
                response = self._s3().get_object(Bucket=bucket, Key=key)
            except Exception as e:
                if s3_io.error_code(e) == "NoSuchBucket":
                    raise URLNotFoundError(url, f"there is no bucket {bucket}") from None
                if s3_io.is_missing(e):
                    raise URLNotFoundError(url) from None
                raise
        with s3_io.open_body(response["Body"]) as stream:
            yield stream

    def write_from(self, source: IO[bytes] | str, url: str) -> None:
        bucket, key = split_url(url)
        if not key or key.endswith("/"):
            raise IsADirectoryError(f"Cannot write '{url}': it names a directory, not a file.")
        with self._errors(url):
            upload = s3_io.Upload(self._s3(), bucket, key, {})
            if isinstance(source, str):
                with open(source, "rb") as f:
                    s3_io.upload_stream(upload, f)
            else:
                s3_io.upload_stream(upload, source)

    def list(self, url: str) -> builtins.list[str]:
        bucket, key = split_url(url)
        prefix = key.rstrip("/") + "/" if key else ""
        names: set[str] = set()
        with self._errors(url):
            try:
                pages = self._s3().get_paginator("list_objects_v2").paginate(
                    Bucket=bucket, Prefix=prefix, Delimiter="/")
                for page in pages:
                    names.update(str(item["Key"])[len(prefix):] for item in page.get("Contents", []))
                    names.update(str(item["Prefix"])[len(prefix):] for item in page.get("CommonPrefixes", []))
            except Exception as e:
                if s3_io.error_code(e) == "NoSuchBucket":
                    raise URLNotFoundError(url, f"there is no bucket {bucket}") from None
                raise
        names.discard("")
        if not names and self._head(url) is None:
            raise URLNotFoundError(url)
        return sorted(names)
