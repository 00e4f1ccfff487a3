"""s3:// URLs in the URL registry, against the real S3 server."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from toil.stores import s3_io
from toil.stores.file import FileJobStore
from toil.stores.s3_urls import split_url
from toil.stores.urls import URLNotFoundError, access_for, export_url, import_url


@pytest.fixture
def bucket() -> Iterator[str]:
    s3 = s3_io.client()
    name = "toil-urls-" + uuid.uuid4().hex[:12]
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="dir/a.txt", Body=b"alpha")
    s3.put_object(Bucket=name, Key="dir/sub/b.txt", Body=b"beta")
    s3.put_object(Bucket=name, Key="top.txt", Body=b"top")
    yield name
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=name):
        for item in page.get("Contents", []):
            s3.delete_object(Bucket=name, Key=item["Key"])
    s3.delete_bucket(Bucket=name)


def test_split_url() -> None:
    assert split_url("s3://b/a%20b/c.txt") == ("b", "a b/c.txt")
    assert split_url("s3://b") == ("b", "")
    with pytest.raises(ValueError, match="names no bucket"):
        split_url("s3:///key")


def test_exists_size_is_dir_and_list(bucket: str) -> None:
    access = access_for(f"s3://{bucket}/top.txt")
    assert access.exists(f"s3://{bucket}/top.txt") and not access.is_dir(f"s3://{bucket}/top.txt")
    assert access.size(f"s3://{bucket}/dir/a.txt") == 5
    assert access.exists(f"s3://{bucket}/dir") and access.is_dir(f"s3://{bucket}/dir/")
    assert not access.exists(f"s3://{bucket}/nope")
    assert not access.exists("s3://toil-no-such-bucket-at-all/x")
    assert access.list(f"s3://{bucket}/dir") == ["a.txt", "sub/"]
    assert access.list(f"s3://{bucket}") == ["dir/", "top.txt"]
    with pytest.raises(URLNotFoundError):
        access.list(f"s3://{bucket}/nothing/")
    with pytest.raises(URLNotFoundError):
        access.size(f"s3://{bucket}/nope")


def test_open_and_write(bucket: str, tmp_path: Path) -> None:
    access = access_for(f"s3://{bucket}/x")
    with access.open_read(f"s3://{bucket}/dir/sub/b.txt") as f:
        assert f.read() == b"beta"
    with pytest.raises(URLNotFoundError), access.open_read(f"s3://{bucket}/missing"):
        pass
    big = tmp_path / "big"
    big.write_bytes(b"z" * (s3_io.PART_SIZE + 7))
    access.write_from(str(big), f"s3://{bucket}/up/big")
    access.write_from(io.BytesIO(b"streamed"), f"s3://{bucket}/up/small")
    assert access.size(f"s3://{bucket}/up/big") == s3_io.PART_SIZE + 7
    with access.open_read(f"s3://{bucket}/up/small") as f:
        assert f.read() == b"streamed"


def test_import_into_and_export_from_a_file_store(bucket: str, tmp_path: Path) -> None:
    store = FileJobStore(f"file:{tmp_path / 'js'}", str(tmp_path / "js"))
    store.create()
    file_id, size = import_url(store, f"s3://{bucket}/dir/a.txt")
    assert size == 5 and file_id.endswith("/a.txt")
    export_url(store, file_id, f"s3://{bucket}/exported/a.txt")
    with access_for(f"s3://{bucket}/exported/a.txt").open_read(f"s3://{bucket}/exported/a.txt") as f:
        assert f.read() == b"alpha"
    with pytest.raises(URLNotFoundError, match="no bucket"):
        import_url(store, "s3://toil-no-such-bucket-at-all/x")
