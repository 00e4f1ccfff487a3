"""URL access for importing inputs into a job store and exporting outputs out of it.

One registry maps a URL scheme to an implementation of ``URLAccess``. Built in: ``file``
(``file://`` URLs and plain paths), ``http``/``https`` (read-only) and ``s3``.
"""

from __future__ import annotations

import abc
import builtins
import contextlib
import http.client
import importlib
import os
import posixpath
import re
import shutil
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import IO

from toil.core.jobstore import AbstractJobStore
from toil.stores.atomic import atomic_copy
from toil.stores.staging import link_out, move_out

_SCHEME_RE = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
HTTP_TIMEOUT = 60.0
_CHUNK = 1 << 20


class UnsupportedURLError(ValueError):
    """No implementation for a URL's scheme, or the scheme cannot do what was asked."""


class HTTPStatusError(OSError):
    """An HTTP server answered with an error status other than 'not found'."""

    def __init__(self, url: str, code: int, reason: str) -> None:
        super().__init__(f"Cannot read '{url}': HTTP {code} {reason}.")
        self.url = url
        self.code = code

    def __str__(self) -> str:
        return str(self.args[0])


class URLNotFoundError(FileNotFoundError):
    """The URL names nothing."""

    def __init__(self, url: str, reason: str = "") -> None:
        super().__init__(f"Nothing found at '{url}'{': ' + reason if reason else ''}.")
        self.url = url

    def __str__(self) -> str:
        return str(self.args[0])


def url_scheme(url: str) -> str:
    """Return the lower-case scheme of a URL, or 'file' for a plain path.

    A prefix counts as a scheme only as ``scheme://`` or ``file:``, so that local paths
    with a colon in them (``sample:1.txt``) stay paths.
    """
    match = _SCHEME_RE.match(url)
    if match is None:
        return "file"
    scheme = match.group(1).lower()
    if scheme == "file" or url[match.end() : match.end() + 2] == "//":
        return scheme
    return "file"


class URLAccess(abc.ABC):
    """What import and export need from one URL scheme."""

    @abc.abstractmethod
    def exists(self, url: str) -> bool:
        """Tell whether the URL names a file or a directory."""

    @abc.abstractmethod
    def size(self, url: str) -> int | None:
        """Return the size in bytes, or None when the server does not tell."""

    @abc.abstractmethod
    def is_dir(self, url: str) -> bool:
        """Tell whether the URL names a directory."""

    @abc.abstractmethod
    def open_read(self, url: str) -> contextlib.AbstractContextManager[IO[bytes]]:
        """Open the URL as a binary stream; raise URLNotFoundError when it is missing."""

    @abc.abstractmethod
    def write_from(self, source: IO[bytes] | str, url: str) -> None:
        """Write a binary stream or a local file at the URL, atomically where the scheme can."""

    @abc.abstractmethod
    def list(self, url: str) -> builtins.list[str]:
        """Return the names in a directory, each directory's name ending in '/'."""

    def local_path(self, url: str) -> str | None:
        """Return the local path a URL names, when it names one."""
        return None


class FileURLAccess(URLAccess):
    """``file://`` URLs (percent-decoded, host empty or localhost) and plain paths."""

    def local_path(self, url: str) -> str:
        if url[:5].lower() != "file:":
            return url
        parsed = urllib.parse.urlsplit(url)
        if parsed.netloc not in ("", "localhost"):
            raise UnsupportedURLError(f"Cannot reach the file URL '{url}': host '{parsed.netloc}' is not this one.")
        return urllib.parse.unquote(parsed.path)

    def exists(self, url: str) -> bool:
        return os.path.exists(self.local_path(url))

    def size(self, url: str) -> int:
        try:
            return os.stat(self.local_path(url)).st_size
        except FileNotFoundError:
            raise URLNotFoundError(url) from None

    def is_dir(self, url: str) -> bool:
        return os.path.isdir(self.local_path(url))

    @contextlib.contextmanager
    def open_read(self, url: str) -> Iterator[IO[bytes]]:
        path = self.local_path(url)
        try:
            f = open(path, "rb")  # noqa: SIM115 - yielded to the caller
        except FileNotFoundError:
            raise URLNotFoundError(url) from None
        except IsADirectoryError:
            raise IsADirectoryError(f"Cannot read '{url}': it is a directory.") from None
        with f:
            yield f

    def write_from(self, source: IO[bytes] | str, url: str) -> None:
        path = self.local_path(url)
        parent = os.path.dirname(os.path.abspath(path))
        os.makedirs(parent, exist_ok=True)
        if isinstance(source, str):
            atomic_copy(source, path)
            return
        tmp = f"{path}~{os.urandom(6).hex()}"
        try:
            with open(tmp, "wb") as out:
                shutil.copyfileobj(source, out, _CHUNK)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    def list(self, url: str) -> builtins.list[str]:
        path = self.local_path(url)
        try:
            entries = list(os.scandir(path))
        except FileNotFoundError:
            raise URLNotFoundError(url) from None
        return sorted(entry.name + ("/" if entry.is_dir() else "") for entry in entries)


class HTTPURLAccess(URLAccess):
    """``http``/``https`` URLs through urllib; read-only."""

    def __init__(self, timeout: float = HTTP_TIMEOUT) -> None:
        self.timeout = timeout

    def _open(self, url: str, method: str = "GET") -> http.client.HTTPResponse:
        request = urllib.request.Request(url, method=method)
        try:
            response: http.client.HTTPResponse = urllib.request.urlopen(request, timeout=self.timeout)
        except urllib.error.HTTPError as e:
            e.close()
            if e.code in (404, 410):
                raise URLNotFoundError(url, f"HTTP {e.code} {e.reason}") from None
            raise HTTPStatusError(url, e.code, str(e.reason)) from None
        except urllib.error.URLError as e:
            raise OSError(f"Cannot reach '{url}': {e.reason}.") from None
        return response

    def _head_length(self, url: str) -> int | None:
        try:
            response = self._open(url, "HEAD")
        except HTTPStatusError as e:
            if e.code not in (405, 501):
                raise
            response = self._open(url)  # a server that refuses HEAD: read the headers of a GET
        with response:
            length = response.headers.get("Content-Length")
        return int(length) if length is not None and length.isascii() and length.isdigit() else None

    def exists(self, url: str) -> bool:
        try:
            self._head_length(url)
        except URLNotFoundError:
            return False
        return True

    def size(self, url: str) -> int | None:
        return self._head_length(url)

    def is_dir(self, url: str) -> bool:
        return False

    @contextlib.contextmanager
    def open_read(self, url: str) -> Iterator[IO[bytes]]:
        with self._open(url) as response:
            yield response

    def write_from(self, source: IO[bytes] | str, url: str) -> None:
        raise UnsupportedURLError(f"Cannot export to '{url}': {url_scheme(url)} URLs are read-only.")

    def list(self, url: str) -> builtins.list[str]:
        raise UnsupportedURLError(f"Cannot list '{url}': {url_scheme(url)} URLs have no directory listing.")


#: Scheme -> implementation. Plugins may add schemes (s3, ftp, ...) here.
URL_ACCESS: dict[str, URLAccess] = {
    "file": FileURLAccess(),
    "http": HTTPURLAccess(),
    "https": HTTPURLAccess(),
}

#: Schemes whose implementation is loaded on first use (module:class), keeping their
#: SDKs (boto3 for s3) out of processes that never see such a URL.
LAZY_URL_ACCESS: dict[str, str] = {
    "s3": "toil.stores.s3_urls:S3URLAccess",
}


def access_for(url: str) -> URLAccess:
    """Return the implementation for the URL's scheme."""
    scheme = url_scheme(url)
    if scheme not in URL_ACCESS and scheme in LAZY_URL_ACCESS:
        module, _, name = LAZY_URL_ACCESS[scheme].partition(":")
        URL_ACCESS[scheme] = getattr(importlib.import_module(module), name)()
    try:
        return URL_ACCESS[scheme]
    except KeyError:
        raise UnsupportedURLError(f"No support for URL scheme '{scheme}' in '{url}'.") from None


def url_basename(url: str) -> str:
    """Return the last path component of a URL or path, percent-decoded for URLs."""
    if url_scheme(url) != "file" or url[:5].lower() == "file:":
        path = urllib.parse.unquote(urllib.parse.urlsplit(url).path)
    else:
        path = url
    return posixpath.basename(path.rstrip("/"))


def import_url(store: AbstractJobStore, url: str, link: bool = False) -> tuple[str, int]:
    """Copy the file at url into the store; return its file id and size.

    With ``link``, a local file is linked in where the store can (``link_import``): the caller
    promises that nothing changes it while the workflow runs.
    """
    access = access_for(url)
    file_id = store.new_file_id(url_basename(url))
    local = access.local_path(url)
    if local is not None:
        if os.path.isdir(local):
            raise IsADirectoryError(f"Cannot import '{url}': it is a directory.")
        try:
            if not (link and store.link_import(local, file_id)):
                store.write_file(local, file_id)
        except FileNotFoundError:
            if not os.path.exists(local):
                raise URLNotFoundError(url) from None
            raise
        return file_id, store.file_size(file_id)
    size = 0
    with access.open_read(url) as source, store.write_file_stream(file_id) as (sink, _):
        while chunk := source.read(_CHUNK):
            sink.write(chunk)
            size += len(chunk)
    return file_id, size


def export_url(store: AbstractJobStore, file_id: str, url: str, link: bool = False, move: bool = False) -> None:
    """Write a stored file at url (for local paths: parents created, atomic replace).

    For a local store and a local path, ``link`` hard-links the file out and ``move`` moves it
    out, leaving a symbolic link to it in the store (both copy across filesystems, and copy a
    file that is also an input linked in): only once nothing reads the stored file again.
    """
    access = access_for(url)
    local = store.local_path(file_id)
    if local is not None:
        if (link or move) and isinstance(access, FileURLAccess):
            path = access.local_path(url)
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
            (move_out if move else link_out)(local, path)
        else:
            access.write_from(local, url)
        return
    with store.read_file_stream(file_id) as source:
        access.write_from(source, url)
