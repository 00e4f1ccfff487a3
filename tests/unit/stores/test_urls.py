"""URL import and export through a real FileJobStore and a real local HTTP server."""

from __future__ import annotations

import functools
import http.server
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from toil.stores.file import FileJobStore
from toil.stores.urls import (
    UnsupportedURLError,
    URLNotFoundError,
    access_for,
    export_url,
    import_url,
    url_basename,
    url_scheme,
)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """Serve a fresh directory over HTTP on 127.0.0.1; yield (directory, base URL)."""
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield root, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def store(tmp_path: Path) -> FileJobStore:
    created = FileJobStore(f"file:{tmp_path}/js", str(tmp_path / "js"))
    created.create()
    return created


class StreamOnlyStore(FileJobStore):
    """A file store that hides its local paths, like a remote store would."""

    def local_path(self, file_id: str) -> str | None:
        return None


def test_schemes_and_basenames() -> None:
    assert url_scheme("/a/b") == "file"
    assert url_scheme("rel/sample:1.txt") == "file"
    assert url_scheme("sample:1.txt") == "file"
    assert url_scheme("file:///a") == "file"
    assert url_scheme("HTTPS://host/x") == "https"
    assert url_basename("file:///dir/a%20b.txt") == "a b.txt"
    assert url_basename("http://h/x/y.txt?download=1") == "y.txt"
    assert url_basename("/plain/dir/") == "dir"


def test_file_import_export_round_trip(store: FileJobStore, tmp_path: Path) -> None:
    src = tmp_path / "in put.txt"
    src.write_bytes(b"local data\n")
    for url in (str(src), "file://" + str(src).replace(" ", "%20"), "file://localhost" + str(src)):
        file_id, size = import_url(store, url)
        assert size == 11 and file_id.endswith("in_put.txt")
        dest = tmp_path / "out" / "deeper" / "result.txt"
        export_url(store, file_id, "file://" + str(dest))
        assert dest.read_bytes() == b"local data\n"
        dest.write_bytes(b"to be replaced")
        export_url(store, file_id, str(dest))
        assert dest.read_bytes() == b"local data\n"
        assert os.listdir(dest.parent) == ["result.txt"]  # no temporary left behind


def test_export_streams_when_the_store_has_no_local_path(tmp_path: Path) -> None:
    store = StreamOnlyStore("file:js", str(tmp_path / "js"))
    store.create()
    with store.write_file_stream() as (f, file_id):
        f.write(b"streamed")
    export_url(store, file_id, str(tmp_path / "new" / "out.bin"))
    assert (tmp_path / "new" / "out.bin").read_bytes() == b"streamed"
    assert os.listdir(tmp_path / "new") == ["out.bin"]


def test_missing_file_source(store: FileJobStore, tmp_path: Path) -> None:
    url = str(tmp_path / "absent.txt")
    with pytest.raises(URLNotFoundError) as info:
        import_url(store, url)
    assert isinstance(info.value, FileNotFoundError) and url in str(info.value)
    assert not access_for(url).exists(url)
    assert list(store.file_ids()) == []


def test_directory_source_is_refused(store: FileJobStore, tmp_path: Path) -> None:
    with pytest.raises(IsADirectoryError):
        import_url(store, str(tmp_path))


def test_file_listing_and_size(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "a.txt").write_bytes(b"12345")
    (tmp_path / "d" / "sub").mkdir()
    access = access_for("file://" + str(tmp_path / "d"))
    assert access.list("file://" + str(tmp_path / "d")) == ["a.txt", "sub/"]
    assert access.size(str(tmp_path / "d" / "a.txt")) == 5
    assert access.is_dir(str(tmp_path / "d"))
    with pytest.raises(URLNotFoundError):
        access.list(str(tmp_path / "nowhere"))


def test_file_url_on_another_host_is_refused(store: FileJobStore) -> None:
    with pytest.raises(UnsupportedURLError, match="elsewhere"):
        import_url(store, "file://elsewhere/data.txt")


def test_http_import(store: FileJobStore, served: tuple[Path, str], tmp_path: Path) -> None:
    root, base = served
    payload = os.urandom(3 << 20)
    (root / "big.bin").write_bytes(payload)
    url = f"{base}/big.bin"
    access = access_for(url)
    assert access.exists(url) and access.size(url) == len(payload) and not access.is_dir(url)
    file_id, size = import_url(store, url)
    assert size == len(payload) and file_id.endswith("/big.bin")
    export_url(store, file_id, str(tmp_path / "copy.bin"))
    assert (tmp_path / "copy.bin").read_bytes() == payload


def test_http_missing(store: FileJobStore, served: tuple[Path, str]) -> None:
    url = f"{served[1]}/absent.txt"
    assert not access_for(url).exists(url)
    with pytest.raises(URLNotFoundError, match="absent.txt"):
        import_url(store, url)
    assert list(store.file_ids()) == []


def test_export_to_http_is_refused(store: FileJobStore, served: tuple[Path, str], tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(b"x")
    file_id, _ = import_url(store, str(tmp_path / "f"))
    for target_store in (store, StreamOnlyStore(store.locator, store.path)):
        with pytest.raises(UnsupportedURLError, match="read-only"):
            export_url(target_store, file_id, f"{served[1]}/upload.txt")
    assert not (served[0] / "upload.txt").exists()
    with pytest.raises(UnsupportedURLError, match="no directory listing"):
        access_for(served[1]).list(served[1] + "/")


def test_unreachable_http_server(store: FileJobStore) -> None:
    with pytest.raises(OSError, match="Cannot reach"):
        import_url(store, "http://127.0.0.1:9/nothing")


@pytest.mark.parametrize("url", ["ftpx://host/file.txt", "ftp://host/file.txt", "gs://b/k"])
def test_unsupported_schemes(store: FileJobStore, url: str) -> None:
    scheme = url.split(":", 1)[0]
    with pytest.raises(UnsupportedURLError) as info:
        access_for(url)
    assert str(info.value) == f"No support for URL scheme '{scheme}' in '{url}'."
    with pytest.raises(UnsupportedURLError):
        import_url(store, url)
